import { Inject, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { ReadModelStore } from '@app/projections';
import { APP_CONFIG } from '../event-store/event-store.module';
import { CLOCK, type Clock } from '../clock';
import type { AppConfig } from '../config/app-config';
import { DueRowFollower, type Raised } from '../followers/due-row-follower';
import { READ_MODELS } from '../projections/projections.module';
import { RaiseScheduleEvents } from './raise-schedule-events.handler';

/** How often the follower looks when nothing falls due sooner: the bound on lateness. */
const LOOK_EVERY_MS = 1000;

/**
 * Acts on the assets' dates by itself: reads the earliest next due instants the schedule
 * projection keeps (`schedule_assets`) and, when one has come, asks for the asset's owed schedule
 * events to be appended. After downtime, everything owed is appended in the order it fell due,
 * each event dated at local midnight of its day. Any number of processes may run it: the append
 * decides who raised an event (see RaiseScheduleEventsHandler). The paging and holding are
 * DueRowFollower's.
 */
export class ScheduleFollower extends DueRowFollower {
  constructor(
    private readonly commands: CommandBus,
    @Inject(READ_MODELS) readModels: ReadModelStore,
    @Inject(CLOCK) clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super(new Logger('ScheduleFollower'), { projection: 'schedule', table: 'schedule_assets', key: 'asset_id' }, LOOK_EVERY_MS, config.runScheduleFollower, readModels, clock);
  }

  protected async raise(assetId: string): Promise<Raised> {
    const { raised } = await this.commands.execute(new RaiseScheduleEvents(assetId));
    return { raised };
  }

  protected describe(assetId: string) {
    return { subject: `asset ${assetId}`, events: 'schedule' };
  }
}
