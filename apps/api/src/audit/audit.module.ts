import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { EventStore } from '@app/event-store';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG, EVENT_STORE } from '../event-store/event-store.module';
import { AuditController } from './audit.controller';
import { ChainVerification } from './chain-verification';
import { GetStreamHistoryHandler, GetTicketAsOfHandler, VerifyChainsHandler } from './audit.queries';
import { LogTree } from './log-tree';
import { AUDIT_SIGNING_KEY } from './event-sealer';
import type { AuditSigningKey } from './signing-key';
import { TreeController } from './tree.controller';

export const QueryHandlers = [GetStreamHistoryHandler, GetTicketAsOfHandler, VerifyChainsHandler];

@Module({
  imports: [CqrsModule],
  controllers: [AuditController, TreeController],
  providers: [
    ...QueryHandlers,
    ChainVerification,
    {
      provide: LogTree,
      useFactory: (store: EventStore, config: AppConfig, key: AuditSigningKey) => LogTree.open(store, config.auditTreePath, key),
      inject: [EVENT_STORE, APP_CONFIG, AUDIT_SIGNING_KEY],
    },
  ],
})
export class AuditModule {}
