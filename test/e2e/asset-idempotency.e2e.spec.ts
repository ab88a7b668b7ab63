import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startTestApp, type TestApp } from './harness';

/**
 * A registration retried with the same Idempotency-Key and no assetId registers one asset: the
 * id is derived from the key, so the retry finds the first answer in that asset's stream.
 */

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
}, 30_000);

afterAll(async () => {
  await app?.stop();
});

const registration = (name: string) => ({
  customerId: 'owner-7',
  name,
  kind: 'renovation',
  acceptedAt: '2025-06-30',
  coverages: [{ category: 'waterproofing', years: 5 }],
});

/** The AssetRegistered events in the file, with the Idempotency-Key each was sent with. */
function registrations(): Array<{ stream: string; commandId: string }> {
  const db = new Database(join(app.dataDir, 'events.db'), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare("SELECT stream, json_extract(metadata, '$.commandId') AS commandId FROM events WHERE type = 'AssetRegistered' ORDER BY position")
      .all() as Array<{ stream: string; commandId: string }>;
  } finally {
    db.close();
  }
}

describe('POST /v1/assets retried without an assetId', () => {
  it('answers the retry as the first time and appends nothing', async () => {
    const service = app.api.as('service');
    const key = randomUUID();
    const first = await service.post('/v1/assets', registration('Warehouse roof'), { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const retried = await service.post('/v1/assets', registration('Warehouse roof'), { 'idempotency-key': key });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(retried.body).toEqual(first.body);
    expect(retried.headers.get('location')).toBe(`/v1/assets/${first.body.assetId}`);
    expect(registrations().filter((r) => r.commandId === key)).toEqual([{ stream: `asset-${first.body.assetId}`, commandId: key }]);

    // The same key with another body is a mistake of the client, not a second asset.
    const reused = await service.post('/v1/assets', registration('Another roof'), { 'idempotency-key': key });
    expect({ status: reused.status, code: reused.body?.code }).toEqual({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(registrations().filter((r) => r.commandId === key)).toHaveLength(1);
  });

  it('without a key, each registration is a new asset with an id of its own; another key, another asset', async () => {
    const service = app.api.as('service');
    const [a, b] = [await service.post('/v1/assets', registration('Lobby')), await service.post('/v1/assets', registration('Lobby'))];
    const c = await service.post('/v1/assets', registration('Lobby'), { 'idempotency-key': randomUUID() });
    for (const answer of [a, b, c]) expect(answer.status).toBe(201);
    expect(new Set([a.body.assetId, b.body.assetId, c.body.assetId]).size).toBe(3);
  });
});
