import type { TicketEvent } from '../ticket-events';
import { acknowledged, paused, reported, restored, resumed, t } from '../testing/ticket-spec';
import { SHANGHAI_OFFICE } from './testing/calendars';
import { history, IT_PLAN } from './testing/clock-spec';
import { dueSlaAlarms, nextSlaAlarmAt } from './sla-alarms';
import type { SlaPolicy } from './sla-policy';

// t(m) is m minutes after 2026-11-25T10:00Z; the IT plan's general response target is 30 min.
const warning = (metric: string, threshold: number, dueAt: string, at: string): TicketEvent => ({
  type: 'SlaWarningReached',
  data: { metric, threshold, dueAt, policyVersion: 1, at },
});
const types = (alarms: { type: string; data: { metric: string; at: string } }[]) => alarms.map((a) => `${a.type}:${a.data.metric}@${a.data.at}`);

describe('SLA alarms due for a ticket', () => {
  it('given a report 20 minutes ago, then the 50 % warning of the response clock is due, dated at minute 15', () => {
    const alarms = dueSlaAlarms(history(reported()), IT_PLAN, t(20));
    expect(alarms).toEqual([
      { type: 'SlaWarningReached', data: { metric: 'response', threshold: 0.5, dueAt: t(30), policyVersion: 1, at: t(15) } },
    ]);
  });

  it('given the service was down for a while, then everything owed comes in time order with its own time', () => {
    const alarms = dueSlaAlarms(history(reported()), IT_PLAN, t(65));
    expect(types(alarms)).toEqual([
      `SlaWarningReached:response@${t(15)}`,
      `SlaWarningReached:response@${t(22.5)}`,
      // Same instant: the warning first, then the breach.
      `SlaWarningReached:onsiteResolution@${t(30)}`,
      `SlaBreached:response@${t(30)}`,
      `SlaWarningReached:onsiteResolution@${t(45)}`,
      `SlaBreached:onsiteResolution@${t(60)}`,
    ]);
  });

  it('given two policies with the same id and version but other targets, then each times its own warnings', () => {
    // The scaled policies behind the warnings are kept per policy object, never per id.
    const first = dueSlaAlarms(history(reported()), IT_PLAN, t(20));
    const slower: SlaPolicy = { ...IT_PLAN, targets: { ...IT_PLAN.targets, general: { ...IT_PLAN.targets.general, response: 'PT20M' } } };
    expect(types(dueSlaAlarms(history(reported()), slower, t(20)))).toEqual([
      `SlaWarningReached:response@${t(10)}`,
      `SlaWarningReached:response@${t(15)}`,
      `SlaBreached:response@${t(20)}`,
    ]);
    expect(dueSlaAlarms(history(reported()), IT_PLAN, t(20))).toEqual(first);
    expect(nextSlaAlarmAt(history(reported()), slower, t(0))).toBe(t(10));
    expect(nextSlaAlarmAt(history(reported()), IT_PLAN, t(0))).toBe(t(15));
  });

  it('given a warning already recorded, then it is not due again', () => {
    const alarms = dueSlaAlarms(history(reported(), warning('response', 0.5, t(30), t(15))), IT_PLAN, t(25));
    expect(types(alarms)).toEqual([`SlaWarningReached:response@${t(22.5)}`]);
  });

  it('given the response came at minute 20, then no 75 % warning or breach of it is ever due', () => {
    const alarms = dueSlaAlarms(history(reported(), acknowledged(t(20))), IT_PLAN, t(29));
    expect(types(alarms)).toEqual([`SlaWarningReached:response@${t(15)}`]);
  });

  it('given a pause, then the warning moves by the paused time', () => {
    // Paused from minute 5 to 15: the response clock reaches 15 minutes of use at minute 25.
    const alarms = dueSlaAlarms(history(reported(), paused(t(5)), resumed(t(15))), IT_PLAN, t(26));
    expect(types(alarms)).toEqual([`SlaWarningReached:response@${t(25)}`]);
  });

  it('given an escalation rule, then a breach of that metric raises EscalationRequired at the same moment, once', () => {
    const policy: SlaPolicy = { ...IT_PLAN, escalations: [{ metric: 'onsiteResolution', on: 'breach', reason: 'dispatch a senior engineer at once' }] };
    const events = history(reported(), acknowledged(t(10)), restored(t(70)));
    const alarms = dueSlaAlarms(events, policy, t(71));
    expect(alarms.filter((a) => a.type !== 'SlaWarningReached')).toEqual([
      { type: 'SlaBreached', data: { metric: 'onsiteResolution', dueAt: t(60), policyVersion: 1, at: t(60) } },
      { type: 'EscalationRequired', data: { metric: 'onsiteResolution', reason: 'dispatch a senior engineer at once', at: t(60) } },
    ]);
    const recorded = history(reported(), acknowledged(t(10)), restored(t(70)), ...alarms);
    expect(dueSlaAlarms(recorded, policy, t(72))).toEqual([]);
  });

  it('given business hours, then a warning that would fall after Friday closing fires on Monday at opening', () => {
    const policy: SlaPolicy = { ...IT_PLAN, calendar: SHANGHAI_OFFICE };
    // Friday 2026-11-27 17:45 Shanghai = 09:45Z; 15 minutes of the 30 run out at closing, 18:00.
    const friday = reported({ at: '2026-11-27T09:45:00.000Z' });
    const saturday = '2026-11-28T04:00:00.000Z';
    expect(nextSlaAlarmAt(history(friday), policy, saturday)).toBe('2026-11-30T01:00:00.000Z');
    expect(dueSlaAlarms(history(friday), policy, saturday)).toEqual([]);
    const monday = dueSlaAlarms(history(friday), policy, '2026-11-30T01:00:00.000Z');
    expect(types(monday)).toEqual(['SlaWarningReached:response@2026-11-30T01:00:00.000Z']);
  });

  it('gives the next moment something becomes due, and none once every clock has stopped', () => {
    expect(nextSlaAlarmAt(history(reported()), IT_PLAN, t(1))).toBe(t(15));
    expect(nextSlaAlarmAt(history(reported(), warning('response', 0.5, t(30), t(15))), IT_PLAN, t(16))).toBe(t(22.5));
    const done = history(reported(), acknowledged(t(5)), restored(t(10)), { type: 'ReportFiled', data: { faultType: 'x', cause: 'x', method: 'x', loss: 'x', by: 'x', at: t(12) } });
    expect(nextSlaAlarmAt(done, IT_PLAN, t(13))).toBeUndefined();
    expect(nextSlaAlarmAt(history(reported(), paused(t(2))), IT_PLAN, t(3))).toBeUndefined();
  });
});
