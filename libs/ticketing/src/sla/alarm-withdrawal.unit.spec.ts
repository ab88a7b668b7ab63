import { decideWithAlarms } from '../decide-with-alarms';
import { evolve } from '../evolve';
import type { TicketCommand } from '../ticket-commands';
import type { TicketEvent } from '../ticket-events';
import { initialState, type TicketState } from '../ticket-state';
import { reported, t } from '../testing/ticket-spec';
import type { HistoryEntry } from './clock-timeline';
import { standingAlarms, untrueAlarms } from './alarm-withdrawal';
import { dueSlaAlarms, raisableNow } from './sla-alarms';
import type { SlaPolicy } from './sla-policy';
import { IT_PLAN } from './testing/clock-spec';

// t(m) is m minutes after 2026-11-25T10:00Z. Under this plan a general fault's response clock has
// 30 min, its on-site clock 1 h, warnings at 50 % and 75 %, and an on-site breach calls for a senior.
const PLAN: SlaPolicy = {
  ...IT_PLAN,
  escalations: [{ metric: 'onsiteResolution', on: 'breach', reason: 'send a senior engineer' }],
};
const NOW = t(300);

/** A ticket's stream as the engine keeps it: facts from commands, alarms from the follower. */
class Ticket {
  readonly history: HistoryEntry[] = [];
  state: TicketState = initialState();

  constructor(report: TicketEvent = reported({ policyId: PLAN.id })) {
    this.append([report]);
  }

  append(events: readonly TicketEvent[]): void {
    for (const event of events) {
      this.history.push({ revision: this.history.length, event });
      this.state = evolve(this.state, event);
    }
  }

  /** The follower at `now`: appends every alarm owed. */
  follow(now: string): TicketEvent[] {
    const alarms = dueSlaAlarms(this.history, PLAN, now);
    this.append(alarms);
    return alarms;
  }

  /** A command dated `at`, entered at `now`; returns what it appended. */
  command(command: TicketCommand, now = NOW): TicketEvent[] {
    const decision = decideWithAlarms(command, this.state, now, () => ({ history: this.history, policy: PLAN }));
    if (!decision.ok) throw new Error(`${decision.error.code}: ${decision.error.message}`);
    this.append(decision.events);
    return decision.events;
  }

  standing(): string[] {
    return standingAlarms(this.history).map(({ alarm, metric, fraction, at }) => `${alarm}:${metric}:${fraction}@${at}`);
  }
}

const acknowledge = (at: string): TicketCommand => ({ type: 'AcknowledgeResponse', data: { by: 'desk', at } });
const dispatch = (at: string): TicketCommand => ({ type: 'DispatchEngineer', data: { engineerId: 'e1', tier: 'onsite', at } });
const arrive = (at: string): TicketCommand => ({ type: 'RecordArrival', data: { engineerId: 'e1', at } });
const restore = (at: string): TicketCommand => ({ type: 'RestoreService', data: { by: 'e1', resolution: 'fixed', at } });
const pause = (at: string): TicketCommand => ({ type: 'PauseTicket', data: { reason: 'awaiting-customer', at } });
const resume = (at: string): TicketCommand => ({ type: 'ResumeTicket', data: { at } });
const withdrawals = (events: readonly TicketEvent[]) =>
  events.flatMap((event) => (event.type === 'SlaAlarmWithdrawn' ? [`${event.data.alarm}:${event.data.metric}@r${event.data.alarmRevision}`] : []));

describe('a fact entered late withdraws the alarms it makes untrue', () => {
  it('given a call logged three hours late and its alarms raised, when the response at minute 20 is entered, then the 75 % warning and the breach of the response clock are withdrawn, the 50 % warning stays', () => {
    const ticket = new Ticket();
    ticket.follow(t(180));
    expect(ticket.standing()).toEqual([
      `warning:response:0.5@${t(15)}`,
      `warning:response:0.75@${t(22.5)}`,
      `warning:onsiteResolution:0.5@${t(30)}`,
      `breach:response:1@${t(30)}`,
      `warning:onsiteResolution:0.75@${t(45)}`,
      `breach:onsiteResolution:1@${t(60)}`,
      `escalation:onsiteResolution:1@${t(60)}`,
    ]);

    const appended = ticket.command(acknowledge(t(20)), t(181));

    expect(appended[0]).toEqual({ type: 'ResponseAcknowledged', data: { by: 'desk', at: t(20) } });
    // Revisions: 0 report, 1-7 the alarms above, 8 the acknowledgement.
    expect(withdrawals(appended)).toEqual(['warning:response@r2', 'breach:response@r4']);
    expect(appended[1]).toEqual({
      type: 'SlaAlarmWithdrawn',
      data: {
        alarm: 'warning',
        metric: 'response',
        alarmRevision: 2,
        reason: `ResponseAcknowledged dated ${t(20)}: the response clock had not used 75 % of its target at ${t(22.5)}`,
        at: t(20),
      },
    });
    expect(ticket.standing()).toEqual([
      `warning:response:0.5@${t(15)}`,
      `warning:onsiteResolution:0.5@${t(30)}`,
      `warning:onsiteResolution:0.75@${t(45)}`,
      `breach:onsiteResolution:1@${t(60)}`,
      `escalation:onsiteResolution:1@${t(60)}`,
    ]);
    // Nothing withdrawn is owed again: the facts put no other crossing of the response clock.
    expect(ticket.follow(t(182))).toEqual([]);
  });

  it('when the late facts go on to a restore within the hour, then the on-site breach and its escalation go, its earlier warnings stay', () => {
    const ticket = new Ticket();
    ticket.follow(t(180));
    ticket.command(acknowledge(t(20)), t(181));
    expect(withdrawals(ticket.command(dispatch(t(25)), t(182)))).toEqual([]);
    expect(withdrawals(ticket.command(arrive(t(50)), t(183)))).toEqual([]);
    const restored = ticket.command(restore(t(55)), t(184));
    expect(withdrawals(restored)).toEqual(['breach:onsiteResolution@r6', 'escalation:onsiteResolution@r7']);
    expect(restored.at(-1)).toMatchObject({ data: { reason: `Restored dated ${t(55)}: the onsiteResolution breach it followed is withdrawn` } });
    expect(ticket.standing()).toEqual([`warning:response:0.5@${t(15)}`, `warning:onsiteResolution:0.5@${t(30)}`, `warning:onsiteResolution:0.75@${t(45)}`]);
  });

  it('given a restore after the hour, then the on-site breach stands with its escalation', () => {
    const ticket = new Ticket();
    ticket.follow(t(180));
    ticket.command(acknowledge(t(20)), t(181));
    expect(withdrawals(ticket.command(restore(t(80)), t(182)))).toEqual([]);
    expect(ticket.standing()).toContain(`breach:onsiteResolution:1@${t(60)}`);
    expect(ticket.standing()).toContain(`escalation:onsiteResolution:1@${t(60)}`);
  });

  it('given a pause entered late, then a warning it postpones is withdrawn and owed again at its new time', () => {
    const ticket = new Ticket();
    ticket.follow(t(16));
    expect(ticket.standing()).toEqual([`warning:response:0.5@${t(15)}`]);
    expect(withdrawals(ticket.command(pause(t(10)), t(17)))).toEqual(['warning:response@r1']);
    ticket.command(resume(t(13)), t(18));
    // 10 min ran before the pause; 5 more from the resume at 13 reach 15 min of 30 at minute 18.
    const owed = ticket.follow(t(19));
    expect(owed.map((a) => `${a.type}@${a.data.at}`)).toEqual([`SlaWarningReached@${t(18)}`]);
    expect(ticket.standing()).toEqual([`warning:response:0.5@${t(18)}`]);
  });

  it('given a fact dated after an alarm, then the alarm stays: it was true when it fell due', () => {
    const ticket = new Ticket();
    ticket.follow(t(40));
    expect(withdrawals(ticket.command(acknowledge(t(35)), t(41)))).toEqual([]);
    expect(ticket.standing()).toContain(`breach:response:1@${t(30)}`);
  });

  it('given a fact entered exactly at the due time, then the clock is met and its breach is withdrawn', () => {
    const ticket = new Ticket();
    ticket.follow(t(31));
    expect(withdrawals(ticket.command(acknowledge(t(30)), t(32)))).toEqual(['breach:response@r4']);
  });

  it('never withdraws an alarm twice', () => {
    const ticket = new Ticket();
    ticket.follow(t(180));
    ticket.command(acknowledge(t(20)), t(181));
    ticket.command(dispatch(t(21)), t(182));
    ticket.command(arrive(t(22)), t(183));
    const all = ticket.history.flatMap(({ event }) => (event.type === 'SlaAlarmWithdrawn' ? [event.data.alarmRevision] : []));
    expect(new Set(all).size).toBe(all.length);
    expect(untrueAlarms(ticket.history, PLAN)).toEqual([]);
  });

  it('reads the history only when an alarm stands, and keeps the alarms of a ticket whose policy is unknown', () => {
    const quiet = new Ticket();
    let asked = 0;
    decideWithAlarms(acknowledge(t(5)), quiet.state, NOW, () => (asked++, { history: quiet.history, policy: PLAN }));
    expect(asked).toBe(0);

    const alarmed = new Ticket();
    alarmed.follow(t(40));
    const decision = decideWithAlarms(acknowledge(t(20)), alarmed.state, NOW, () => ({ history: alarmed.history, policy: undefined }));
    expect(decision).toEqual({ ok: true, events: [{ type: 'ResponseAcknowledged', data: { by: 'desk', at: t(20) } }] });
  });

  it('still refuses a fact dated before the last fact', () => {
    const ticket = new Ticket();
    ticket.follow(t(40));
    ticket.command(acknowledge(t(20)), t(41));
    const decision = decideWithAlarms(dispatch(t(19)), ticket.state, NOW, () => ({ history: ticket.history, policy: PLAN }));
    expect(decision).toMatchObject({ ok: false, error: { code: 'AT_BEFORE_LAST_EVENT' } });
  });
});

describe('SLA_LATE_ENTRY_GRACE: alarms already due when a ticket is recorded wait for its late facts', () => {
  const owed = dueSlaAlarms([{ revision: 0, event: reported({ policyId: PLAN.id }) }], PLAN, t(180));
  const recordedAt = t(180);
  const grace = { reportRecordedAt: recordedAt, graceMs: 10 * 60_000 };

  it('holds alarms dated before the recording until the grace has passed', () => {
    expect(owed.length).toBeGreaterThan(0);
    expect(raisableNow(owed, grace, t(185))).toEqual([]);
    expect(raisableNow(owed, grace, t(190))).toEqual(owed);
  });

  it('never holds an alarm that fell due after the recording, and holds nothing without a grace', () => {
    const later = dueSlaAlarms([{ revision: 0, event: reported({ policyId: PLAN.id, at: t(178) }) }], PLAN, t(200));
    const afterRecording = later.filter((alarm) => alarm.data.at >= recordedAt);
    expect(afterRecording.length).toBeGreaterThan(0);
    expect(raisableNow(later, grace, t(185))).toEqual(afterRecording);
    expect(raisableNow(owed, { reportRecordedAt: recordedAt, graceMs: 0 }, t(180))).toEqual(owed);
  });
});
