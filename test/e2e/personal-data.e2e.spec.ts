import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyConsistency } from '../../libs/event-store/src';
import { freePort } from '../support/app-process';
import { WebhookReceiver } from '../support/webhook-receiver';
import { expectOk, startTestApp, timeline, type TestApp } from './harness';

/**
 * Erasure and access requests (PIPL Art. 47 and 45, GDPR Art. 17 and 15) on the real app: a
 * customer with an asset (owner, contacts, a subcontractor's contact, a deposit note) and a
 * ticket on it (the fault as reported, the desk's note, a rating's comment, a revisit's outcome),
 * a webhook taking every event, and another customer whose data must stay.
 */
const ERASED = '[erased]';
const GONE = {
  owner: 'Zhang Wei-Gone 张伟测试',
  contact: 'Liu Yang-Gone',
  phone: '+86 139 1111 2222',
  email: 'liu.yang@gone.example',
  subcontractor: 'Sun Li-Gone 137 3333 4444',
  deposit: 'Paid in cash by Zhang Wei-Gone',
  summary: 'Leak in flat 5B of Zhang Wei-Gone',
  note: 'Called Liu Yang-Gone back',
  comment: 'Great engineer, says Liu Yang-Gone 很好',
  outcome: 'Liu Yang-Gone confirms it is dry',
};
const KEPT = {
  owner: 'Keep Owner-Stays 李娜',
  phone: '+86 21 5555 9999',
  summary: 'Lift stuck, call Keep Owner-Stays',
  comment: 'Fine work, Keep Owner-Stays',
};

/** Every file under `dir` (the databases, their -wal and -shm, anything else), recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The files under `dir` holding `text` in UTF-8 or JSON-escaped (`\uXXXX`) form. */
function filesHolding(dir: string, text: string): string[] {
  const escaped = text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const forms = [Buffer.from(text, 'utf8'), Buffer.from(escaped, 'utf8'), Buffer.from(escaped.toUpperCase().replace(/\\U/g, '\\u'), 'utf8')];
  return filesUnder(dir).filter((file) => {
    const bytes = readFileSync(file);
    return forms.some((form) => bytes.includes(form));
  });
}

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('personal data: sealed at rest, erasable, and listed on request', () => {
  let app: TestApp;
  let keyDir: string;
  let receiver: WebhookReceiver;
  let webhookId: string;
  let goneTicket: string;
  let keptTicket: string;
  let headBeforeErasure: { treeSize: number; rootHash: string };
  const t = timeline(3);
  const as = (role: 'service' | 'auditor' | 'analyst' | 'admin') => app.api.as(role);

  beforeAll(async () => {
    keyDir = mkdtempSync(join(tmpdir(), 'pii-master-'));
    receiver = new WebhookReceiver(await freePort());
    await receiver.start();
    app = await startTestApp({
      PII_MASTER_KEY_FILE: join(keyDir, 'master.key'),
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_RETRY_BASE_MS: '100',
    });
    webhookId = expectOk(await as('admin').post('/v1/webhooks', { url: receiver.url, eventTypes: ['*'], secret: 'a-long-random-shared-secret' }), 201).body.id;

    const register = (assetId: string, customerId: string, extra: Record<string, unknown>) =>
      as('service').post('/v1/assets', {
        assetId, customerId, name: `Building of ${customerId}`, kind: 'renovation', acceptedAt: '2026-01-01',
        coverages: [{ category: 'other', years: 5 }], entitlements: { relocation: 1, rebuild: 1, inspectionsPerYear: 1 },
        at: '2026-01-01T09:00:00Z', ...extra,
      });
    expectOk(await register('gone-home', 'cust-gone', {
      ownerName: GONE.owner,
      contacts: [{ name: GONE.contact, role: 'tenant', phone: GONE.phone, email: GONE.email }],
      subcontractors: [{ name: 'Pipe Co', warrantyItems: ['plumbing'], contact: GONE.subcontractor }],
    }), 201);
    expectOk(await as('service').post('/v1/assets/gone-home/deposits', { kind: 'payment', amount: 500, note: GONE.deposit, at: '2026-01-02T09:00:00Z' }));
    expectOk(await register('kept-home', 'cust-kept', { ownerName: KEPT.owner, contacts: [{ name: KEPT.owner, phone: KEPT.phone }] }), 201);

    const report = async (customerId: string, assetId: string, summary: string) =>
      expectOk(await as('service').post('/v1/tickets', { customerId, assetId, category: 'other', channel: 'phone', kind: 'fault', severity: 'major', summary, at: t.at(0) }), 201).body.ticketId as string;
    goneTicket = await report('cust-gone', 'gone-home', GONE.summary);
    keptTicket = await report('cust-kept', 'kept-home', KEPT.summary);
    const step = (id: string, verb: string, body: Record<string, unknown>) => as('service').post(`/v1/tickets/${id}/${verb}`, body).then((answer) => expectOk(answer));
    for (const [id, note] of [[goneTicket, GONE.note], [keptTicket, 'on it']]) {
      await step(id, 'acknowledge', { by: 'desk-7', note, at: t.at(5) });
      await step(id, 'dispatch', { engineerId: 'eng-li', tier: 'onsite', at: t.at(10) });
      await step(id, 'arrive', { engineerId: 'eng-li', at: t.at(20) });
      await step(id, 'restore', { by: 'eng-li', resolution: 'Valve replaced', at: t.at(40) });
    }
    await step(goneTicket, 'revisit', { by: 'desk-7', outcome: GONE.outcome, at: t.at(60) });
    await step(keptTicket, 'satisfaction', { kind: 'onsite', score: 5, comment: KEPT.comment, at: t.at(50) });
  });

  afterAll(async () => {
    await app?.stop();
    await receiver?.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('stores no personal value in clear in any file under DATA_DIR, and keeps the master key outside it', async () => {
    // Everything so far has reached the views and the webhook, so every file has had its copy.
    await eventually(async () => (receiver.bodies().length >= 15 ? true : undefined), 'the webhook deliveries');
    const archive = expectOk(await as('auditor').get('/v1/views/warranty-archive/gone-home')).body;
    expect(archive.ownerName).toBe(GONE.owner);
    for (const text of [...Object.values(GONE), ...Object.values(KEPT)]) expect([text, filesHolding(app.dataDir, text)]).toEqual([text, []]);
    // The search finds what is there: ids are kept clear, as pseudonyms.
    expect(filesHolding(app.dataDir, 'cust-gone').length).toBeGreaterThan(0);
    expect(filesUnder(app.dataDir).map((file) => file.slice(app.dataDir.length + 1))).toEqual(expect.arrayContaining(['events.db', 'views.db', 'webhooks.db', 'keys.db']));
    expect(filesUnder(app.dataDir).some((file) => file.endsWith('master.key'))).toBe(false);
    expect(statSync(join(app.dataDir, 'keys.db')).mode & 0o777).toBe(0o600);
    expect(statSync(join(keyDir, 'master.key')).mode & 0o777).toBe(0o600);
  });

  it('opens the values where they are read: state, history, views and webhook bodies', async () => {
    expect(expectOk(await as('service').get(`/v1/tickets/${goneTicket}`)).body).toMatchObject({ summary: GONE.summary, customerId: 'cust-gone' });
    expect(expectOk(await as('service').get('/v1/assets/gone-home')).body).toMatchObject({
      ownerName: GONE.owner,
      contacts: [{ name: GONE.contact, role: 'tenant', phone: GONE.phone, email: GONE.email }],
    });
    const history = expectOk(await as('auditor').get(`/v1/tickets/${goneTicket}/history`)).body.events;
    expect(history[1].data.note).toBe(GONE.note);
    // The asset's history likewise; as stored (`sealed=true`), each field is an envelope under the customer's key.
    const assetHistory = expectOk(await as('auditor').get('/v1/assets/gone-home/history')).body.events;
    expect(assetHistory[0].data).toMatchObject({ customerId: 'cust-gone', ownerName: GONE.owner, contacts: [{ email: GONE.email }] });
    const sealed = expectOk(await as('auditor').get('/v1/assets/gone-home/history?sealed=true')).body.events;
    expect(sealed[0].data).toMatchObject({ customerId: 'cust-gone', ownerName: { $enc: 'v1', kid: expect.any(String) }, contacts: [{ role: 'tenant', email: { $enc: 'v1' } }] });
    expect(sealed.map((e: any) => e.hash)).toEqual(assetHistory.map((e: any) => e.hash));
    const delivered = receiver.bodies().find((body) => body.event.type === 'AssetRegistered' && body.event.stream === 'asset-gone-home');
    expect(delivered.event.data).toMatchObject({ ownerName: GONE.owner, contacts: [{ phone: GONE.phone }] });
  });

  it('answers an access request with every personal value held and where it is', async () => {
    const held = expectOk(await as('admin').get('/v1/customers/cust-gone/personal-data')).body;
    const where = held.fields.map((f: any) => [f.stream, f.revision, f.path, f.value]);
    expect(where).toEqual(
      expect.arrayContaining([
        ['asset-gone-home', 0, 'ownerName', GONE.owner],
        ['asset-gone-home', 0, 'contacts[0].name', GONE.contact],
        ['asset-gone-home', 0, 'contacts[0].phone', GONE.phone],
        ['asset-gone-home', 0, 'contacts[0].email', GONE.email],
        ['asset-gone-home', 0, 'subcontractors[0].contact', GONE.subcontractor],
        ['asset-gone-home', 1, 'note', GONE.deposit],
        [`ticket-${goneTicket}`, 0, 'summary', GONE.summary],
        [`ticket-${goneTicket}`, 1, 'note', GONE.note],
        [`ticket-${goneTicket}`, 5, 'outcome', GONE.outcome],
      ]),
    );
    // Every personal string of the customer is listed, and nothing of another customer.
    const values = held.fields.map((f: any) => f.value);
    for (const text of Object.values(GONE).filter((v) => v !== GONE.comment)) expect(values).toContain(text);
    for (const text of Object.values(KEPT)) expect(values).not.toContain(text);
    expect(held.keys).toEqual([expect.objectContaining({ destroyedAt: null })]);
    expect((await as('admin').get('/v1/customers/nobody-at-all/personal-data')).status).toBe(404);
  });

  it('lets admins alone ask, and refuses a bad request with a problem', async () => {
    for (const role of ['service', 'auditor', 'analyst'] as const) {
      expect((await as(role).post('/v1/customers/cust-gone/erase', { reason: 'x', requestedBy: 'y' })).status).toBe(403);
      expect((await as(role).get('/v1/customers/cust-gone/personal-data')).status).toBe(403);
    }
    const missing = await as('admin').post('/v1/customers/cust-gone/erase', { reason: 'GDPR Art. 17' });
    expect(missing.status).toBe(400);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await as('admin').post('/v1/customers/bad%20id/erase', { reason: 'r', requestedBy: 'q' })).status).toBe(400);
  });

  it('erases: the key goes, the erasure is recorded, and a repeat changes nothing', async () => {
    // A delivery queued before the erasure and sent after it: the webhook is paused meanwhile.
    expectOk(await as('admin').post(`/v1/webhooks/${webhookId}/pause`));
    expectOk(await as('service').post(`/v1/tickets/${goneTicket}/satisfaction`, { kind: 'onsite', score: 4, comment: GONE.comment, at: t.at(70) }));
    expect((await as('admin').get('/v1/customers/cust-gone/personal-data')).body.fields.map((f: any) => f.value)).toContain(GONE.comment);
    await eventually(async () => {
      const pending = (await as('admin').get(`/v1/webhooks/${webhookId}/deliveries?status=pending`)).body;
      return pending.total >= 1 ? true : undefined;
    }, 'the queued delivery');

    headBeforeErasure = expectOk(await as('auditor').get('/v1/audit/tree-head')).body;
    const first = expectOk(await as('admin').post('/v1/customers/cust-gone/erase', { reason: 'PIPL Art. 47 request DSR-7', requestedBy: 'data protection office' })).body;
    expect(first).toMatchObject({ customerId: 'cust-gone', stream: 'customer-cust-gone', revision: 0, replayed: false, keyIds: [expect.any(String)] });
    const again = expectOk(await as('admin').post('/v1/customers/cust-gone/erase', { reason: 'PIPL Art. 47 request DSR-7', requestedBy: 'data protection office' })).body;
    expect(again).toEqual({ ...first, replayed: true });

    const held = expectOk(await as('admin').get('/v1/customers/cust-gone/personal-data')).body;
    expect(held.fields).toEqual([]);
    expect(held.keys).toEqual([expect.objectContaining({ keyId: first.keyIds[0], destroyedAt: first.erasedAt })]);
    expect(held.erasures).toEqual([
      expect.objectContaining({ revision: 0, customerId: 'cust-gone', reason: 'PIPL Art. 47 request DSR-7', requestedBy: 'data protection office', actor: { name: expect.any(String), role: 'admin' } }),
    ]);
  });

  it('leaves none of the erased strings in any file under DATA_DIR, and the other customer readable', async () => {
    expectOk(await as('admin').post(`/v1/webhooks/${webhookId}/resume`));
    const late = await eventually(async () => receiver.bodies().find((body) => body.event.type === 'SatisfactionRated' && body.event.stream === `ticket-${goneTicket}`), 'the delivery after the erasure');
    expect(late.event.data).toMatchObject({ kind: 'onsite', score: 4, comment: ERASED });
    const erasedEvent = await eventually(async () => receiver.bodies().find((body) => body.event.type === 'PersonalDataErased'), 'the erasure event');
    for (const text of Object.values(GONE)) expect(JSON.stringify(erasedEvent)).not.toContain(text);

    for (const text of Object.values(GONE)) expect([text, filesHolding(app.dataDir, text)]).toEqual([text, []]);
    const kept = expectOk(await as('service').get('/v1/assets/kept-home')).body;
    expect(kept).toMatchObject({ ownerName: KEPT.owner, contacts: [{ name: KEPT.owner, phone: KEPT.phone }] });
    expect(expectOk(await as('service').get(`/v1/tickets/${keptTicket}`)).body).toMatchObject({ summary: KEPT.summary, ratings: { onsite: { comment: KEPT.comment } } });
    expect(expectOk(await as('admin').get('/v1/customers/cust-kept/personal-data')).body.fields.map((f: any) => f.value)).toEqual(expect.arrayContaining([KEPT.owner, KEPT.phone, KEPT.summary, KEPT.comment]));
  });

  it('still verifies: the log, its hashes and its chain are as they were', async () => {
    const verify = expectOk(await as('auditor').get('/v1/audit/verify')).body;
    expect(verify).toMatchObject({ ok: true, broken: [] });
    expect(verify.checkedStreams).toBe(5);
    // The signed tree only grew: the head saved before the erasure is consistent with the latest.
    const proof = expectOk(await as('auditor').get(`/v1/audit/proofs/consistency?from=${headBeforeErasure.treeSize}`)).body;
    expect(proof.fromHead.rootHash).toBe(headBeforeErasure.rootHash);
    const hex = (text: string) => Buffer.from(text, 'hex');
    expect(verifyConsistency(proof.from, proof.to, hex(headBeforeErasure.rootHash), hex(proof.toHead.rootHash), proof.proof.map(hex))).toBe(true);
  });

  it('shows "[erased]" wherever the values were: state, replays, histories, views, also after a restart', async () => {
    await app.restart();
    const ticket = expectOk(await as('service').get(`/v1/tickets/${goneTicket}`)).body;
    expect(ticket).toMatchObject({ summary: ERASED, customerId: 'cust-gone', ratings: { onsite: { score: 4, comment: ERASED } } });
    expect(ticket.revisits).toEqual([expect.objectContaining({ outcome: ERASED, by: 'desk-7' })]);
    expect(expectOk(await as('auditor').get(`/v1/tickets/${goneTicket}/state?revision=1`)).body).toMatchObject({ summary: ERASED });
    const history = expectOk(await as('auditor').get(`/v1/tickets/${goneTicket}/history`)).body.events;
    expect(history[1].data).toMatchObject({ by: 'desk-7', note: ERASED });
    const asset = expectOk(await as('service').get('/v1/assets/gone-home')).body;
    expect(asset).toMatchObject({
      ownerName: ERASED,
      contacts: [{ name: ERASED, role: 'tenant', phone: ERASED, email: ERASED }],
      subcontractors: [{ name: 'Pipe Co', contact: ERASED }],
      deposits: [expect.objectContaining({ amount: 500, note: ERASED })],
    });
    const archive = expectOk(await as('auditor').get('/v1/views/warranty-archive/gone-home')).body;
    expect(archive).toMatchObject({ ownerName: ERASED, contacts: [{ name: ERASED, phone: ERASED }] });
    expect(archive.serviceRecords).toEqual([expect.objectContaining({ ticketId: goneTicket, summary: ERASED })]);
    expect(expectOk(await as('auditor').get('/v1/views/warranty-archive/kept-home')).body).toMatchObject({ ownerName: KEPT.owner });
    // A command on the erased customer's ticket still works: the domain folds "[erased]" like any text.
    expectOk(await as('service').post(`/v1/tickets/${goneTicket}/report`, { faultType: 'plumbing', cause: 'Worn valve', method: 'Valve replaced', loss: 'none', by: 'eng-li', at: t.at(80) }));
    expectOk(await as('service').post(`/v1/tickets/${goneTicket}/close`, { by: 'desk-7', at: t.at(90) }));
  });
});
