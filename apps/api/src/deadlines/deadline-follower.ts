import { Inject, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { ReadModelStore, TableNames } from '@app/projections';
import { APP_CONFIG } from '../event-store/event-store.module';
import { CLOCK, type Clock } from '../clock';
import type { AppConfig } from '../config/app-config';
import { DueRowFollower, type Raised } from '../followers/due-row-follower';
import { PolicyCatalog } from '../policies/policy-catalog';
import { READ_MODELS } from '../projections/projections.module';
import { RaiseSlaAlarms } from './raise-sla-alarms.handler';

/** How often the follower looks at the earliest deadline when none is sooner: the bound on lateness. */
const LOOK_EVERY_MS = 250;

/**
 * Acts on SLA deadlines by itself: reads the earliest next deadlines that the SLA projection
 * keeps (`sla_deadlines`) and, when one has come, asks for the ticket's owed alarms to be
 * appended. After downtime, everything owed is raised in order of its time, each event dated when
 * it happened. A ticket recorded after the fact waits for its late-entry grace (`heldUntil`); a
 * ticket whose policy version is not in the policies file is logged once and held until its
 * deadline changes. The paging and holding are DueRowFollower's.
 */
export class DeadlineFollower extends DueRowFollower {
  constructor(
    private readonly commands: CommandBus,
    @Inject(READ_MODELS) readModels: ReadModelStore,
    @Inject(CLOCK) clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly policies: PolicyCatalog,
  ) {
    super(new Logger('DeadlineFollower'), { projection: 'sla-compliance', table: 'sla_deadlines', key: 'ticket_id' }, LOOK_EVERY_MS, config.runDeadlineFollower, readModels, clock);
  }

  protected raise(ticketId: string): Promise<Raised> {
    return this.commands.execute(new RaiseSlaAlarms(ticketId));
  }

  protected describe(ticketId: string) {
    return { subject: `ticket ${ticketId}`, events: 'SLA' };
  }

  /** When the ticket's policy version, as the projection recorded it, is not in the catalog. */
  protected override unraisable(ticketId: string, tables: TableNames): string | undefined {
    const row = this.readModels.db.prepare(`SELECT policy_id, policy_version FROM ${tables('sla_clocks')} WHERE ticket_id = ? LIMIT 1`).get(ticketId) as
      | { policy_id: string; policy_version: number }
      | undefined;
    if (!row || this.policies.find(row.policy_id, row.policy_version)) return undefined;
    return `its SLA policy ${row.policy_id} v${row.policy_version} is not in the policies file`;
  }
}
