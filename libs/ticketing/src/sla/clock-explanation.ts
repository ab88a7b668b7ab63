import type { SlaCalendar } from './calendar';
import type { SlaClock } from './clocks';
import { describeDuration } from './iso-duration';

const METRIC_NAMES: Readonly<Record<SlaClock['metric'], string>> = {
  response: 'response (report to acknowledgement)',
  onsiteResolution: 'on-site resolution (report to restore)',
  seniorArrival: 'senior arrival (senior dispatch to arrival)',
  restoration: 'restoration (report to restore)',
  report: 'incident report (restore to report filed)',
  arrival: 'arrival (first dispatch to arrival)',
};

/** One or two sentences a service desk can read out: what the clock measures and where it is. */
export function explainClock(clock: Omit<SlaClock, 'explanation'>, calendar: SlaCalendar): string {
  const time = calendar.kind === '24x7' ? 'round the clock' : `in business hours (${calendar.timeZone})`;
  const used = `${describeDuration(clock.elapsedMs)} of ${describeDuration(clock.targetMs)} used (${clock.percentUsed} %)`;
  const held = clock.pausedMs > 0 ? `, ${describeDuration(clock.pausedMs)} paused` : '';
  const head =
    `${METRIC_NAMES[clock.metric]}: target ${clock.target} for ${clock.severity} tickets ${time} ` +
    `under ${clock.policyId}@${clock.policyVersion}; started by ${clock.events.started.type} at ${clock.startedAt}`;
  switch (clock.state) {
    case 'met':
      return `${head}; stopped by ${clock.events.stopped?.type} at ${clock.stoppedAt} with ${used}${held}: met.`;
    case 'breached':
      return clock.stoppedAt === null
        ? `${head}; due ${clock.dueAt} and still open, ${used}${held}: breached since the due time.`
        : `${head}; stopped by ${clock.events.stopped?.type} at ${clock.stoppedAt} with ${used}${held}, ` +
            `after the due time ${clock.dueAt}: breached.`;
    case 'paused':
      return `${head}; paused, ${used}${held}; due ${clock.dueAt} if it resumed now.`;
    case 'warning':
      return `${head}; running, ${used}${held}, past the warning threshold ${warnings(clock)}; due ${clock.dueAt}.`;
    case 'running':
      return `${head}; running, ${used}${held}; due ${clock.dueAt}.`;
    default: {
      const _never: never = clock.state;
      return _never;
    }
  }
}

function warnings(clock: Omit<SlaClock, 'explanation'>): string {
  return clock.warningThresholdsPassed.map((threshold) => `${Math.round(threshold * 100)} %`).join(' and ');
}
