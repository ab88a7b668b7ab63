import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CLOCK, systemClock } from '../clock';
import type { AppConfig } from '../config/app-config';
import { PolicyCatalog } from '../policies/policy-catalog';
import { ExecuteTicketCommandHandler } from './execute-ticket-command.handler';
import { GetTicketHandler } from './get-ticket.query';
import { TicketsController } from './tickets.controller';

export const CommandHandlers = [ExecuteTicketCommandHandler];
export const QueryHandlers = [GetTicketHandler];

@Module({})
export class TicketsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: TicketsModule,
      imports: [CqrsModule],
      controllers: [TicketsController],
      providers: [
        { provide: CLOCK, useValue: systemClock },
        { provide: PolicyCatalog, useFactory: () => PolicyCatalog.fromFile(config.slaPoliciesFile) },
        ...CommandHandlers,
        ...QueryHandlers,
      ],
    };
  }
}
