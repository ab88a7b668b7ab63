import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuditController } from './audit.controller';
import { ChainVerification } from './chain-verification';
import { GetStreamHistoryHandler, GetTicketAsOfHandler, VerifyChainsHandler } from './audit.queries';

export const QueryHandlers = [GetStreamHistoryHandler, GetTicketAsOfHandler, VerifyChainsHandler];

@Module({
  imports: [CqrsModule],
  controllers: [AuditController],
  providers: [...QueryHandlers, ChainVerification],
})
export class AuditModule {}
