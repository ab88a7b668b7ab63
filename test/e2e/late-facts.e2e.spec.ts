import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { freePort, until } from '../support/app-process';
import type { Client } from '../support/http-client';
import { askView, csvWithoutQueryTime, HOUR, iso, MINUTE, nowSecond, runCli, startViewsApp, view, withoutQueryTime, type ViewsApp } from '../support/views-scenario';
import { lateCallAlarms } from '../support/late-call';
import { WebhookReceiver } from '../support/webhook-receiver';

/**
 * Facts entered after the fact (a call logged hours late, a field app syncing after a day
 * offline) against the real app with its deadline follower running: the alarms the follower
 * raised from what it knew never block a fact, and those a late fact makes untrue are withdrawn
 * in the fact's own append, so the record, the views and the webhooks say what the facts justify.
 */

const FOLLOWING = {
  RUN_DEADLINE_FOLLOWER: 'true',
  RATE_LIMIT_PER_SECOND: '0',
  WEBHOOK_RETRY_BASE_MS: '100',
  WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  WEBHOOK_ALLOW_HTTP: 'true',
};

type HistoryEvent = { revision: number; position: string; type: string; data: Record<string, any> };


const historyOf = async (app: ViewsApp, ticketId: string): Promise<HistoryEvent[]> =>
  (await app.api.as('auditor').get(`/v1/tickets/${ticketId}/history?limit=1000`)).body.events;

/** The alarms of a history as they read, with the revision that raised each. */
const alarmsOf = (events: HistoryEvent[]) =>
  events
    .filter((e) => ['SlaWarningReached', 'SlaBreached', 'EscalationRequired'].includes(e.type))
    .map((e) => ({ revision: e.revision, says: `${e.type}:${e.data.metric}:${e.data.threshold ?? ''}@${e.data.at}` }));

const withdrawalsOf = (events: HistoryEvent[]) => events.filter((e) => e.type === 'SlaAlarmWithdrawn');

/** The alarms standing in a ticket view, as they read. */
function standing(ticket: any): string[] {
  const says = (type: string, alarm: any) => `${type}:${alarm.metric}:${alarm.threshold ?? ''}@${alarm.at}`;
  return [
    ...ticket.slaWarnings.filter((a: any) => a.withdrawn === null).map((a: any) => says('SlaWarningReached', a)),
    ...ticket.slaBreaches.filter((a: any) => a.withdrawn === null).map((a: any) => says('SlaBreached', a)),
    ...ticket.escalations.filter((a: any) => a.withdrawn === null).map((a: any) => says('EscalationRequired', a)),
  ].sort();
}

/**
 * A ticket's clocks without the revisions of the events that moved them (two stores number them
 * apart), and without what an open clock measures at the moment of the query.
 */
const clocksOf = (ticket: any) =>
  ticket.clocks.map(({ metric, state, dueAt, stoppedAt, elapsedMs, pausedMs, target }: any) =>
    stoppedAt === null ? { metric, state, dueAt, stoppedAt, target } : { metric, state, dueAt, stoppedAt, elapsedMs, pausedMs, target },
  );

const post = async (client: Client, path: string, body: Record<string, unknown>, headers?: Record<string, string>) => {
  const answer = await client.post(path, body, headers);
  if (answer.status !== 200 && answer.status !== 201) throw new Error(`${path}: ${answer.status} ${answer.text}`);
  return answer;
};

describe('a call logged three hours late, with the follower running', () => {
  let app: ViewsApp;
  let receiver: WebhookReceiver;
  const reportedAt = nowSecond() - 3 * HOUR;
  const at = (minutes: number) => iso(reportedAt + minutes * MINUTE);
  let ticketId: string;
  let position = '0';

  beforeAll(async () => {
    app = await startViewsApp(FOLLOWING);
    receiver = new WebhookReceiver(await freePort());
    await receiver.start();
    const hook = await app.api.as('admin').post('/v1/webhooks', { url: receiver.url, eventTypes: ['SlaAlarmWithdrawn'], secret: 'late-facts-secret-0123' });
    expect(hook.status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await receiver?.stop();
  });

  it('raises what is owed from the report alone, at once, dated when it fell due', async () => {
    const report = await post(app.service, '/v1/tickets', {
      customerId: 'c-late-call', channel: 'phone', kind: 'fault', severity: 'major', summary: 'core switch down', at: at(0),
    });
    ticketId = report.body.ticketId;
    const events = await until('the on-site escalation', async () => {
      const seen = await historyOf(app, ticketId);
      return seen.some((e) => e.type === 'EscalationRequired') ? seen : undefined;
    });
    expect(alarmsOf(events).map((a) => a.says)).toEqual(lateCallAlarms(at).raised);
  }, 60_000);

  it('accepts the acknowledgement at minute 20 and withdraws the 75 % warning and the breach of the response clock, in the same append', async () => {
    const before = await historyOf(app, ticketId);
    const answer = await app.service.post(`/v1/tickets/${ticketId}/acknowledge`, { by: 'desk-agent-7', at: at(20) });
    expect(answer.status).toBe(200);
    position = answer.body.position;

    const after = await historyOf(app, ticketId);
    const appended = after.slice(before.length);
    const raised = new Map(alarmsOf(before).map((a) => [a.says, a.revision]));
    expect(appended.map((e) => e.type)).toEqual(['ResponseAcknowledged', 'SlaAlarmWithdrawn', 'SlaAlarmWithdrawn']);
    // One append: the command answers with the revision and position of its last event.
    expect(appended[appended.length - 1]).toMatchObject({ revision: answer.body.revision, position: answer.body.position });
    expect(appended.slice(1).map((e) => ({ alarm: e.data.alarm, metric: e.data.metric, alarmRevision: e.data.alarmRevision, at: e.data.at }))).toEqual([
      { alarm: 'warning', metric: 'response', alarmRevision: raised.get(`SlaWarningReached:response:0.75@${at(22.5)}`), at: at(20) },
      { alarm: 'breach', metric: 'response', alarmRevision: raised.get(`SlaBreached:response:@${at(30)}`), at: at(20) },
    ]);
  });

  it('shows the response clock met, explained by the late acknowledgement, and each alarm with its withdrawal', async () => {
    const ticket = (await app.service.get(`/v1/tickets/${ticketId}`)).body;
    const response = ticket.clocks.find((c: any) => c.metric === 'response');
    expect(response).toMatchObject({ state: 'met', stoppedAt: at(20), elapsedMs: 20 * MINUTE });
    expect(response.events.stopped).toMatchObject({ type: 'ResponseAcknowledged', at: at(20) });
    expect(standing(ticket)).toEqual(lateCallAlarms(at).afterAcknowledgement);
    const responseBreach = ticket.slaBreaches.find((b: any) => b.metric === 'response');
    expect(responseBreach.withdrawn).toMatchObject({ at: at(20), reason: expect.stringContaining('ResponseAcknowledged') });
  });

  it('replays the record as it stood: by revision the breach before its withdrawal and after, by business time what the facts say', async () => {
    const events = await historyOf(app, ticketId);
    const ack = events.find((e) => e.type === 'ResponseAcknowledged')!;
    const auditor = app.api.as('auditor');
    const beforeAck = (await auditor.get(`/v1/tickets/${ticketId}/state?revision=${ack.revision - 1}`)).body;
    expect(beforeAck.slaBreaches.find((b: any) => b.metric === 'response').withdrawn).toBeNull();
    const latest = (await auditor.get(`/v1/tickets/${ticketId}/state?revision=${events[events.length - 1]!.revision}`)).body;
    expect(latest.slaBreaches.find((b: any) => b.metric === 'response').withdrawn).not.toBeNull();

    const asOf = (await auditor.get(`/v1/tickets/${ticketId}/state?asOf=${encodeURIComponent(at(40))}`)).body;
    expect(asOf.clocks.find((c: any) => c.metric === 'response')).toMatchObject({ state: 'met', stoppedAt: at(20) });
    expect(asOf.slaBreaches.map((b: any) => `${b.metric}:${b.withdrawn === null ? 'stands' : 'withdrawn'}`)).toEqual(['response:withdrawn']);
    expect(asOf.slaWarnings.map((w: any) => `${w.metric}:${w.threshold}:${w.withdrawn === null ? 'stands' : 'withdrawn'}`)).toEqual([
      'response:0.5:stands',
      'response:0.75:withdrawn',
      'onsiteResolution:0.5:stands',
    ]);
  });

  it('counts the response met in the compliance view, and drops the withdrawn alarms from its counters', async () => {
    const answer = await view(app.analyst, '/v1/views/sla-compliance', { customerId: 'c-late-call', from: at(-60), to: at(60), minPosition: position });
    const metrics = answer.groups[0].metrics;
    expect(metrics.response).toMatchObject({ total: 1, met: 1, breached: 0, compliance: 1, alarms: { warnings: 1, breaches: 0, escalations: 0 } });
    expect(metrics.onsiteResolution.alarms).toEqual({ warnings: 2, breaches: 1, escalations: 1 });
  });

  it('delivers the withdrawals to a webhook that asked for SlaAlarmWithdrawn', async () => {
    const delivered = await until('two withdrawals delivered', async () => {
      const seen = receiver.bodies().filter((b) => b.event.stream === `ticket-${ticketId}`);
      return seen.length >= 2 ? seen : undefined;
    });
    expect(delivered.map((b) => `${b.event.type}:${b.event.data.alarm}:${b.event.data.metric}`)).toEqual([
      'SlaAlarmWithdrawn:warning:response',
      'SlaAlarmWithdrawn:breach:response',
    ]);
  });

  it('when dispatch, arrival and a restore within the hour follow, withdraws the on-site breach and its escalation, and keeps its earlier warnings', async () => {
    const service = app.service;
    for (const [command, body] of [
      ['dispatch', { engineerId: 'eng-li', tier: 'onsite', at: at(25) }],
      ['arrive', { engineerId: 'eng-li', at: at(50) }],
      ['restore', { by: 'eng-li', resolution: 'replaced the line card', at: at(55) }],
    ] as const) {
      position = (await post(service, `/v1/tickets/${ticketId}/${command}`, body)).body.position;
    }
    const events = await historyOf(app, ticketId);
    expect(withdrawalsOf(events).map((e) => `${e.data.alarm}:${e.data.metric}@${e.data.at}`)).toEqual([
      `warning:response@${at(20)}`,
      `breach:response@${at(20)}`,
      `breach:onsiteResolution@${at(55)}`,
      `escalation:onsiteResolution@${at(55)}`,
    ]);
    const ticket = (await service.get(`/v1/tickets/${ticketId}`)).body;
    expect(standing(ticket)).toEqual(
      [`SlaWarningReached:response:0.5@${at(15)}`, `SlaWarningReached:onsiteResolution:0.5@${at(30)}`, `SlaWarningReached:onsiteResolution:0.75@${at(45)}`].sort(),
    );
    expect(ticket.clocks.find((c: any) => c.metric === 'onsiteResolution')).toMatchObject({ state: 'met', stoppedAt: at(55) });
    const answer = await view(app.analyst, '/v1/views/sla-compliance', { customerId: 'c-late-call', from: at(-60), to: at(60), minPosition: position });
    expect(answer.groups[0].metrics.onsiteResolution).toMatchObject({ met: 1, breached: 0, alarms: { warnings: 2, breaches: 0, escalations: 0 } });
    await until('four withdrawals delivered', async () => (receiver.bodies().filter((b) => b.event.stream === `ticket-${ticketId}`).length >= 4 ? true : undefined));
  });
});

describe('facts synced late, one command each, end where the same facts sent before any alarm end', () => {
  const reportedAt = nowSecond() - 3 * HOUR;
  const at = (minutes: number) => iso(reportedAt + minutes * MINUTE);
  const ticketId = randomUUID();
  const report = { ticketId, customerId: 'c-synced', channel: 'onsite', kind: 'fault', severity: 'general', summary: 'router down at the branch', at: at(0) };
  const facts: Array<[string, Record<string, unknown>]> = [
    ['acknowledge', { by: 'field-app', at: at(20) }],
    ['dispatch', { engineerId: 'eng-wu', tier: 'onsite', at: at(25) }],
    ['arrive', { engineerId: 'eng-wu', at: at(50) }],
    ['restore', { by: 'eng-wu', resolution: 'reseated the uplink', at: at(80) }],
  ];
  let late: ViewsApp;
  let early: ViewsApp;
  let earlyDataDir: string;
  let latePosition = '0';
  let earlyPosition = '0';

  /** Every answer compared between the two stores, and before and after a rebuild. */
  async function snapshot(app: ViewsApp, minPosition: string) {
    const range = { from: at(-60), to: at(60), customerId: 'c-synced', minPosition };
    const csv = await askView(app.analyst, `/v1/views/sla-compliance/tickets?from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}&customerId=c-synced&format=csv&minPosition=${minPosition}`);
    const ticket = (await app.service.get(`/v1/tickets/${ticketId}`)).body;
    return {
      summary: await view(app.analyst, '/v1/views/sla-compliance', range),
      rows: withoutQueryTime(await view(app.analyst, '/v1/views/sla-compliance/tickets', range)),
      rowsCsv: csvWithoutQueryTime(csv.text),
      clocks: clocksOf(ticket),
      standing: standing(ticket),
      status: ticket.status,
    };
  }

  beforeAll(async () => {
    [late, early] = await Promise.all([startViewsApp(FOLLOWING), startViewsApp({ ...FOLLOWING, RUN_DEADLINE_FOLLOWER: 'false' })]);
    earlyDataDir = early.dataDir;
  }, 60_000);
  afterAll(async () => {
    await Promise.all([late?.stop(), early?.stop()]);
    rmSync(earlyDataDir, { recursive: true, force: true });
  });

  it('the late store: alarms raised from the report, then each fact withdraws what it makes untrue, and retries append nothing', async () => {
    await post(late.service, '/v1/tickets', report);
    await until('the on-site escalation', async () => ((await historyOf(late, ticketId)).some((e) => e.type === 'EscalationRequired') ? true : undefined));
    for (const [command, body] of facts) {
      const key = `sync-${command}-${ticketId}`;
      const first = await post(late.service, `/v1/tickets/${ticketId}/${command}`, body, { 'Idempotency-Key': key });
      const length = (await historyOf(late, ticketId)).length;
      const retried = await post(late.service, `/v1/tickets/${ticketId}/${command}`, body, { 'Idempotency-Key': key });
      expect(retried.body).toMatchObject({ revision: first.body.revision, position: first.body.position });
      expect((await historyOf(late, ticketId)).length).toBe(length);
      latePosition = first.body.position;
    }
    // The follower owes nothing more: let it look again, then read the record.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const events = await historyOf(late, ticketId);
    const withdrawn = withdrawalsOf(events).map((e) => e.data.alarmRevision);
    expect(new Set(withdrawn).size).toBe(withdrawn.length);
    expect(withdrawalsOf(events).map((e) => `${e.data.alarm}:${e.data.metric}@${e.data.at}`)).toEqual([
      `warning:response@${at(20)}`,
      `breach:response@${at(20)}`,
    ]);
    latePosition = events[events.length - 1]!.position;
  }, 60_000);

  it('the other store: the same facts entered before the follower ran, then the follower raises what they justify', async () => {
    await post(early.service, '/v1/tickets', report);
    for (const [command, body] of facts) earlyPosition = (await post(early.service, `/v1/tickets/${ticketId}/${command}`, body)).body.position;
    // The same store, now with its follower running.
    await early.close();
    early = await startViewsApp(FOLLOWING, early.dataDir);
    await until('the on-site escalation', async () => ((await historyOf(early, ticketId)).some((e) => e.type === 'EscalationRequired') ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const events = await historyOf(early, ticketId);
    expect(withdrawalsOf(events)).toEqual([]);
    earlyPosition = events[events.length - 1]!.position;
  }, 60_000);

  it('both give the same clocks, standing alarms and views', async () => {
    const fromLate = await snapshot(late, latePosition);
    const fromEarly = await snapshot(early, earlyPosition);
    expect(fromLate).toEqual(fromEarly);
    expect(fromLate.standing).toEqual(lateCallAlarms(at).afterAcknowledgement);
    expect(fromLate.summary.groups[0].metrics.response).toMatchObject({ met: 1, breached: 0, alarms: { warnings: 1, breaches: 0, escalations: 0 } });
  });

  it('a rebuild of the late store from zero finds no difference and answers the same', async () => {
    const before = await snapshot(late, latePosition);
    await late.close();
    const result = await runCli(['rebuild', 'sla-compliance', '--compare', '--json'], { DATA_DIR: late.dataDir });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).toMatchObject({ projection: 'sla-compliance', differences: 0 });
    await late.start();
    expect(await snapshot(late, latePosition)).toEqual(before);
  }, 60_000);
});

describe('two processes on one store, their followers racing the late facts', () => {
  let a: ViewsApp;
  let b: ViewsApp;
  const reportedAt = nowSecond() - 3 * HOUR;
  const at = (minutes: number) => iso(reportedAt + minutes * MINUTE);

  beforeAll(async () => {
    a = await startViewsApp(FOLLOWING);
    b = await startViewsApp(FOLLOWING, a.dataDir);
  }, 60_000);
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('never leaves an untrue alarm standing and never withdraws one twice', async () => {
    const tickets: string[] = [];
    for (let i = 0; i < 8; i++) {
      const report = await post(a.service, '/v1/tickets', {
        customerId: `c-race-${i}`, channel: 'phone', kind: 'fault', severity: 'major', summary: `outage ${i}`, at: at(0),
      });
      tickets.push(report.body.ticketId);
      // Sent at once to the other process: both followers race the acknowledgement.
      const ack = await b.service.post(`/v1/tickets/${report.body.ticketId}/acknowledge`, { by: 'desk', at: at(20) });
      expect(ack.status).toBe(200);
    }
    for (const ticketId of tickets) {
      await until(`the escalation of ${ticketId}`, async () => ((await historyOf(a, ticketId)).some((e) => e.type === 'EscalationRequired') ? true : undefined));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const ticketId of tickets) {
      const events = await historyOf(b, ticketId);
      const withdrawn = withdrawalsOf(events).map((e) => e.data.alarmRevision);
      expect(new Set(withdrawn).size).toBe(withdrawn.length);
      // Raised once each while standing: no alarm says the same thing twice.
      const raised = alarmsOf(events).filter((alarm) => !withdrawn.includes(alarm.revision)).map((alarm) => alarm.says);
      expect(new Set(raised).size).toBe(raised.length);
      const ticket = (await a.service.get(`/v1/tickets/${ticketId}`)).body;
      expect(standing(ticket)).toEqual(lateCallAlarms(at).afterAcknowledgement);
    }
  }, 120_000);
});

describe('SLA_LATE_ENTRY_GRACE', () => {
  let app: ViewsApp;
  const reportedAt = nowSecond() - 3 * HOUR;
  const at = (minutes: number) => iso(reportedAt + minutes * MINUTE);
  beforeAll(async () => {
    app = await startViewsApp({ ...FOLLOWING, SLA_LATE_ENTRY_GRACE: 'PT30S' });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
  });

  it('gives the clerk time to enter what happened: the alarms already due wait, and the untrue ones are never raised', async () => {
    const report = await post(app.service, '/v1/tickets', { customerId: 'c-grace', channel: 'phone', kind: 'fault', severity: 'major', summary: 'late call', at: at(0) });
    const ticketId = report.body.ticketId;
    const ack = await post(app.service, `/v1/tickets/${ticketId}/acknowledge`, { by: 'desk', at: at(20) });
    // Nothing was raised before the acknowledgement, so nothing is withdrawn with it.
    expect((await historyOf(app, ticketId)).map((e) => e.type)).toEqual(['TicketReported', 'ResponseAcknowledged']);
    expect(ack.body.revision).toBe(1);
    const events = await until('the alarms after the grace', async () => {
      const seen = await historyOf(app, ticketId);
      return seen.some((e) => e.type === 'EscalationRequired') ? seen : undefined;
    }, 90_000);
    expect(alarmsOf(events).map((a) => a.says)).toEqual([
      `SlaWarningReached:response:0.5@${at(15)}`,
      `SlaWarningReached:onsiteResolution:0.5@${at(30)}`,
      `SlaWarningReached:onsiteResolution:0.75@${at(45)}`,
      `SlaBreached:onsiteResolution:@${at(60)}`,
      `EscalationRequired:onsiteResolution:@${at(60)}`,
    ]);
    expect(withdrawalsOf(events)).toEqual([]);
  }, 120_000);
});
