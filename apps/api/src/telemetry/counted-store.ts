import type { EventStore } from '@app/event-store';
import type { EngineMetrics } from './engine-metrics';

/** The alarm kind each alarm event raises. */
const RAISED = { SlaWarningReached: 'warning', SlaBreached: 'breach', EscalationRequired: 'escalation' } as const;

/** A store that says how many appends it committed together (the SQLite adapter's group commit). */
interface GroupCommits {
  onCommitted(listener: (group?: { appends: number }) => void): () => void;
}

/**
 * The event store with its appends counted, whoever appends (commands, the deadline and schedule
 * followers, erasures): appends by outcome, events written, SLA alarms raised and withdrawn by
 * metric, and on SQLite the size of each group commit.
 */
export function countedStore(store: EventStore, metrics: EngineMetrics): EventStore {
  const commits = store as Partial<GroupCommits>;
  commits.onCommitted?.((group) => {
    if (group && group.appends > 0) metrics.groupCommitted(group.appends);
  });
  const append: EventStore['append'] = (stream, events, options) =>
    store.append(stream, events, options).then(
      (result) => {
        metrics.append(true, events.length);
        for (const event of events) {
          const data = event.data as { metric?: unknown; alarm?: unknown };
          if (typeof data.metric !== 'string') continue;
          if (event.type === 'SlaAlarmWithdrawn' && typeof data.alarm === 'string') metrics.alarm('withdrawn', data.alarm, data.metric);
          else if (event.type in RAISED) metrics.alarm('raised', RAISED[event.type as keyof typeof RAISED], data.metric);
        }
        return result;
      },
      (error: unknown) => {
        metrics.append(false, 0);
        throw error;
      },
    );
  return new Proxy(store, {
    get(target, property) {
      if (property === 'append') return append;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
