import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_KEYS, type Client } from '../support/http-client';
import { bodies, expectOk, reportBody, startTestApp, storedEvents, timeline, type TestApp } from './harness';

/**
 * What every stored event says about the request that caused it (the service contract):
 * commandId, correlationId, causationId, the actor (never the key), recordedAt, schemaVersion.
 */
let app: TestApp;
let service: Client;

beforeAll(async () => {
  // LOG_LEVEL info: the most the server logs at any level a deployment would run.
  app = await startTestApp({ LOG_LEVEL: 'info' });
  service = app.api.as('service');
});
afterAll(async () => {
  await app?.stop();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe('event metadata', () => {
  it('carries X-Correlation-Id into every event of the command, and the Idempotency-Key as commandId', async () => {
    const id = expectOk(await service.post('/v1/tickets', reportBody()), 201).body.ticketId;
    expectOk(await service.post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge()));
    expectOk(await service.post(`/v1/tickets/${id}/pause`, bodies.pause()));
    // Restoring a paused ticket: two events from one command.
    expectOk(
      await service.post(`/v1/tickets/${id}/restore`, bodies.restore(), { 'x-correlation-id': 'call-centre-4711', 'idempotency-key': 'restore-4711' }),
    );
    const [resumed, restored] = storedEvents(app.dataDir, id).slice(3);
    expect([resumed.type, restored.type]).toEqual(['TicketResumed', 'Restored']);
    for (const event of [resumed, restored]) {
      expect(event.metadata).toMatchObject({ correlationId: 'call-centre-4711', commandId: 'restore-4711' });
      expect(event.metadata.causationId).toEqual(expect.any(String));
      expect(event.metadata.causationId).not.toBe('');
    }
    expect(resumed.eventId).not.toBe(restored.eventId);
  });

  it('gives a command without those headers a fresh commandId and correlationId of its own', async () => {
    const id = expectOk(await service.post('/v1/tickets', reportBody()), 201).body.ticketId;
    expectOk(await service.post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge()));
    const [reported, acknowledged] = storedEvents(app.dataDir, id);
    for (const event of [reported, acknowledged]) {
      expect(event.metadata.commandId).toMatch(UUID);
      expect(event.metadata.correlationId).toMatch(UUID);
    }
    expect(reported.metadata.commandId).not.toBe(acknowledged.metadata.commandId);
    expect(reported.metadata.correlationId).not.toBe(acknowledged.metadata.correlationId);
  });

  it('names the actor by role and a stable, non-secret name; records server time and schema version 1', async () => {
    const t = timeline(2);
    const before = Date.now();
    const id = expectOk(await service.post('/v1/tickets', reportBody({ at: t.at(0) })), 201).body.ticketId;
    expectOk(await service.post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge({ at: t.at(5) })));
    expectOk(await app.api.as('admin').post(`/v1/tickets/${id}/dispatch`, bodies.dispatch('eng-li', 'onsite', { at: t.at(10) })));
    const after = Date.now();

    const events = storedEvents(app.dataDir, id);
    const [first, second, third] = events;
    expect(first.metadata.actor).toEqual({ name: expect.any(String), role: 'service' });
    expect(second.metadata.actor).toEqual(first.metadata.actor);
    expect(third.metadata.actor.role).toBe('admin');
    expect(third.metadata.actor.name).not.toBe(first.metadata.actor.name);
    for (const event of events) {
      const name = event.metadata.actor.name as string;
      expect(name.length).toBeGreaterThan(0);
      for (const key of Object.values(TEST_KEYS)) {
        expect(name).not.toContain(key);
        expect(key).not.toContain(name);
      }
      expect(JSON.stringify(event.metadata)).not.toMatch(/key-0123456789/);

      expect(event.metadata.schemaVersion).toBe(1);
      // recordedAt is when the server stored it, not the business time the client gave.
      expect(event.metadata.recordedAt).toMatch(ISO_UTC);
      const recordedAt = Date.parse(event.metadata.recordedAt);
      expect(recordedAt).toBeGreaterThanOrEqual(before - 1000);
      expect(recordedAt).toBeLessThanOrEqual(after + 1000);
      expect(event.metadata.recordedAt).not.toBe(event.data.at);
      expect(event.metadata.requestHash).toMatch(/^[0-9a-f]{64}$/);
      expect(event.eventId).toMatch(UUID);
    }
    expect(events.map((e) => e.data.at)).toEqual([t.at(0), t.at(5), t.at(10)]);
  });

  it('never writes an API key to the store or the log', async () => {
    const id = expectOk(await service.post('/v1/tickets', reportBody()), 201).body.ticketId;
    expectOk(await app.api.as('admin').post(`/v1/tickets/${id}/acknowledge`, bodies.acknowledge()));
    await app.api.withKey('wrong-key-but-still-a-secret').get(`/v1/tickets/${id}`);

    const files = ['events.db', 'events.db-wal'].map((name) => join(app.dataDir, name)).filter((path) => existsSync(path));
    const stored = files.map((path) => readFileSync(path).toString('latin1')).join('');
    expect(stored).toContain(id);
    const log = app.output();
    expect(log).toContain('listening on');
    for (const key of [...Object.values(TEST_KEYS), 'wrong-key-but-still-a-secret']) {
      expect(stored).not.toContain(key);
      expect(log).not.toContain(key);
    }
  });
});
