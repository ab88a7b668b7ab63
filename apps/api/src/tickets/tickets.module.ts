import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ExecuteTicketCommandHandler } from './execute-ticket-command.handler';
import { GetTicketHandler } from './get-ticket.query';
import { TicketsController } from './tickets.controller';

export const CommandHandlers = [ExecuteTicketCommandHandler];
export const QueryHandlers = [GetTicketHandler];

@Module({})
export class TicketsModule {
  static forRoot(): DynamicModule {
    return {
      module: TicketsModule,
      imports: [CqrsModule],
      controllers: [TicketsController],
      providers: [
        ...CommandHandlers,
        ...QueryHandlers,
      ],
    };
  }
}
