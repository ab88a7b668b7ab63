import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { createHash } from 'node:crypto';
import { readStreamOrEmpty, WrongExpectedRevision, type EventStore } from '@app/event-store';
import { localDate, owedScheduleEvents, scheduleKey } from '@app/ticketing';
import { ASSETS, assetStream, foldAsset } from '../assets/asset-stream';
import { CLOCK, type Clock } from '../clock';
import { CommandStreams } from '../commands/command-streams';
import { appendChained } from '../commands/stream-commands';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG, EVENT_STORE } from '../event-store/event-store.module';

/** Append the schedule events an asset is owed today (its local date), if any. */
export class RaiseScheduleEvents extends Command<{ raised: number }> {
  constructor(readonly assetId: string) {
    super();
  }
}

const MAX_ATTEMPTS = 5;

/**
 * Exactly once, whoever runs it: the command id is derived from the asset, the revision the
 * events were decided on and their keys, and the append expects that revision; of several
 * processes raising the same events one append wins and the others, reading again, find the
 * events received and nothing owed. Owed events go in one append, oldest first, each dated at
 * local midnight of the day it fell due.
 */
@CommandHandler(RaiseScheduleEvents)
export class RaiseScheduleEventsHandler implements ICommandHandler<RaiseScheduleEvents, { raised: number }> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly streams: CommandStreams,
  ) {}

  async execute({ assetId }: RaiseScheduleEvents): Promise<{ raised: number }> {
    const stream = assetStream(assetId);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const recorded = await readStreamOrEmpty(this.store, stream);
      const state = foldAsset(recorded);
      if (state.status === 'none') return { raised: 0 };
      const now = this.clock.now();
      const owed = owedScheduleEvents(state, localDate(now, state.timeZone), this.config.schedule);
      if (owed.length === 0) return { raised: 0 };
      const revision = recorded[recorded.length - 1].revision;
      const key = owed.map(scheduleKey).join('|');
      const commandId = `schedule-${createHash('sha256').update(`${assetId}|${revision}|${key}`).digest('hex').slice(0, 32)}`;
      if (recorded.some((event) => event.metadata.commandId === commandId)) return { raised: 0 };
      try {
        await appendChained(
          this.store,
          stream,
          recorded,
          owed,
          ASSETS.schemaVersion,
          { commandId, correlationId: commandId, causationId: commandId, actor: { name: 'schedule-follower', role: 'system' } },
          now,
        );
        // The asset's next command must not decide on the stream as it was before these events.
        this.streams.outdated(stream);
        return { raised: owed.length };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
      }
    }
    return { raised: 0 };
  }
}
