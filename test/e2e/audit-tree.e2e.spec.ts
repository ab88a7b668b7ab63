import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { leafHashOf, parsePosition, verifyConsistency, verifyInclusion, verifyTreeHead } from '../../libs/event-store/src';
import { tempDataDir } from '../support/app-process';
import { runCli } from '../support/cli-process';
import { api, type Client, type Role } from '../support/http-client';
import { RestartableApp } from '../support/restartable-app';
import { bodies, countAllEvents, expectOk, reportBody, timeline } from './harness';

/**
 * The verifiable log over HTTP and the CLI: signed tree heads, inclusion and consistency proofs
 * that check out against the published key, bad input as problem+json, the auditor role only;
 * and the two stand-alone scripts of docs/, run as a third party would run them.
 */
const data = tempDataDir();
const app = new RestartableApp(data.path);
const as = (role: Role): Client => api(app.baseUrl).as(role);
const hex = (text: string) => Buffer.from(text, 'hex');
const file = (name: string, content: unknown) => {
  const path = join(data.path, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};
const run = promisify(execFile);

async function treeOf(events: number): Promise<Record<string, any>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const head = expectOk(await as('auditor').get('/v1/audit/tree-head')).body;
    if (head.treeSize >= events || Date.now() > deadline) return head;
    await new Promise((done) => setTimeout(done, 100));
  }
}

let ticketId: string;
let firstHead: Record<string, any>;
let publicKeyPem: string;

beforeAll(async () => {
  await app.launch();
  const service = as('service');
  const t = timeline(3);
  ticketId = expectOk(await service.post('/v1/tickets', reportBody({ at: t.at(0) })), 201).body.ticketId;
  expectOk(await service.post(`/v1/tickets/${ticketId}/acknowledge`, bodies.acknowledge({ at: t.at(5) })));
  firstHead = await treeOf(countAllEvents(data.path));
  const other = expectOk(await service.post('/v1/tickets', reportBody({ customerId: 'customer-2', at: t.at(10) })), 201).body.ticketId;
  expectOk(await service.post(`/v1/tickets/${other}/acknowledge`, bodies.acknowledge({ at: t.at(12) })));
  expectOk(await service.post(`/v1/tickets/${ticketId}/dispatch`, bodies.dispatch('eng-zhao', 'onsite', { at: t.at(15) })));
  publicKeyPem = expectOk(await as('auditor').get('/v1/audit/public-key')).body.publicKey;
}, 120_000);

afterAll(async () => {
  await app.halt();
  data.remove();
});

describe('the verifiable log over HTTP', () => {
  it('signs heads with a key made on first start (mode 0600) that the public key checks', async () => {
    expect(statSync(join(data.path, 'audit-signing-key.pem')).mode & 0o777).toBe(0o600);
    const key = createPublicKey(publicKeyPem);
    const head = await treeOf(countAllEvents(data.path));
    expect(head.treeSize).toBe(countAllEvents(data.path));
    expect(verifyTreeHead(key, head)).toBe(true);
    expect(verifyTreeHead(key, { ...head, treeSize: head.treeSize + 1 })).toBe(false);
    expect(verifyTreeHead(key, firstHead)).toBe(true);
    // An earlier size: the same root as the head handed out then.
    const earlier = expectOk(await as('auditor').get(`/v1/audit/tree-head?treeSize=${firstHead.treeSize}`)).body;
    expect(verifyTreeHead(key, earlier)).toBe(true);
    expect(earlier.rootHash).toBe(firstHead.rootHash);
  });

  it('proves each event of a ticket in the latest tree, from the event as the history shows it', async () => {
    const history = expectOk(await as('auditor').get(`/v1/tickets/${ticketId}/history`)).body.events as Array<Record<string, any>>;
    expect(history.length).toBe(3);
    for (const event of history) {
      const answer = expectOk(await as('auditor').get(`/v1/audit/proofs/inclusion?stream=ticket-${ticketId}&revision=${event.revision}`)).body;
      // Every event the API appends carries its seal, and the leaf covers it.
      expect(event.metadata.seal).toMatch(/^[0-9a-f]{64}$/);
      expect(answer.leaf).toEqual({ stream: `ticket-${ticketId}`, revision: event.revision, position: event.position, hash: event.hash, seal: event.metadata.seal });
      const leaf = leafHashOf({ stream: answer.leaf.stream, revision: event.revision, position: parsePosition(event.position)!, hash: event.hash, seal: event.metadata.seal });
      expect(verifyInclusion(leaf, answer.leafIndex, answer.treeSize, answer.auditPath.map(hex), hex(answer.treeHead.rootHash))).toBe(true);
      expect(verifyTreeHead(createPublicKey(publicKeyPem), answer.treeHead)).toBe(true);
    }
    // In an earlier tree: the first two events were in the first head, the third was not.
    const old = expectOk(await as('auditor').get(`/v1/audit/proofs/inclusion?stream=ticket-${ticketId}&revision=1&treeSize=${firstHead.treeSize}`)).body;
    expect(old.treeHead.rootHash).toBe(firstHead.rootHash);
    const later = await as('auditor').get(`/v1/audit/proofs/inclusion?stream=ticket-${ticketId}&revision=2&treeSize=${firstHead.treeSize}`);
    expect([later.status, later.body.code, later.headers.get('content-type')]).toEqual([404, 'EVENT_NOT_IN_TREE', 'application/problem+json; charset=utf-8']);
  });

  it('proves the first head consistent with the latest', async () => {
    const answer = expectOk(await as('auditor').get(`/v1/audit/proofs/consistency?from=${firstHead.treeSize}`)).body;
    expect(answer.from).toBe(firstHead.treeSize);
    expect(answer.fromHead.rootHash).toBe(firstHead.rootHash);
    expect(verifyConsistency(answer.from, answer.to, hex(firstHead.rootHash), hex(answer.toHead.rootHash), answer.proof.map(hex))).toBe(true);
    // The proof does not hold for another old root.
    expect(verifyConsistency(answer.from, answer.to, hex('00'.repeat(32)), hex(answer.toHead.rootHash), answer.proof.map(hex))).toBe(false);
  });

  it('answers bad input with 400 and sizes beyond the tree with 404, as problem+json', async () => {
    const auditor = as('auditor');
    const size = (await treeOf(0)).treeSize as number;
    const cases: Array<[string, number, string]> = [
      ['/v1/audit/tree-head?treeSize=-1', 400, 'VALIDATION_FAILED'],
      ['/v1/audit/tree-head?treeSize=abc', 400, 'VALIDATION_FAILED'],
      [`/v1/audit/tree-head?treeSize=${size + 1}`, 404, 'TREE_SIZE_NOT_REACHED'],
      ['/v1/audit/proofs/inclusion?revision=0', 400, 'VALIDATION_FAILED'],
      [`/v1/audit/proofs/inclusion?stream=ticket-${ticketId}`, 400, 'VALIDATION_FAILED'],
      [`/v1/audit/proofs/inclusion?stream=ticket-${ticketId}&revision=0&treeSize=0`, 400, 'VALIDATION_FAILED'],
      [`/v1/audit/proofs/inclusion?stream=ticket-${ticketId}&revision=0&treeSize=${size + 5}`, 404, 'TREE_SIZE_NOT_REACHED'],
      [`/v1/audit/proofs/inclusion?stream=ticket-${ticketId}&revision=99`, 404, 'EVENT_NOT_IN_TREE'],
      ['/v1/audit/proofs/consistency', 400, 'VALIDATION_FAILED'],
      ['/v1/audit/proofs/consistency?from=2&to=1', 400, 'VALIDATION_FAILED'],
      [`/v1/audit/proofs/consistency?from=1&to=${size + 1}`, 404, 'TREE_SIZE_NOT_REACHED'],
    ];
    for (const [path, status, code] of cases) {
      const answer = await auditor.get(path);
      expect({ path, status: answer.status, code: answer.body?.code, type: answer.headers.get('content-type') }).toEqual({
        path,
        status,
        code,
        type: 'application/problem+json; charset=utf-8',
      });
    }
  });

  it('serves all four to auditors only: 401 without a key, 403 for other roles', async () => {
    const paths = ['/v1/audit/tree-head', '/v1/audit/public-key', `/v1/audit/proofs/inclusion?stream=ticket-${ticketId}&revision=0`, '/v1/audit/proofs/consistency?from=1'];
    for (const path of paths) {
      expect([path, (await api(app.baseUrl).get(path)).status]).toEqual([path, 401]);
      for (const role of ['service', 'analyst'] as const) expect([path, role, (await as(role).get(path)).status]).toEqual([path, role, 403]);
      expect([path, (await as('auditor').get(path)).status]).toEqual([path, 200]);
    }
  });
});

describe('a third party with two heads, the proofs and the public key (docs/*.mjs)', () => {
  it('says the log only grew, and that an event is in it; and says so for nothing else', async () => {
    const latest = await treeOf(0);
    const consistency = expectOk(await as('auditor').get(`/v1/audit/proofs/consistency?from=${firstHead.treeSize}&to=${latest.treeSize}`)).body;
    const inclusion = expectOk(await as('auditor').get(`/v1/audit/proofs/inclusion?stream=ticket-${ticketId}&revision=2`)).body;
    const key = file('public-key.pem', publicKeyPem);
    const script = (name: string) => join(process.cwd(), 'docs', name);
    // A bare node with no access to the project: run from the data directory, no NODE_PATH.
    const node = (args: string[]) => run(process.execPath, args, { cwd: data.path, env: { PATH: process.env.PATH ?? '' } });
    const grown = await node([script('verify-consistency.mjs'), file('old.json', firstHead), file('new.json', latest), file('proof.json', consistency), key]);
    expect(grown.stdout).toBe(`OK: the log only grew, from ${firstHead.treeSize} to ${latest.treeSize} events\n`);
    const included = await node([script('verify-inclusion.mjs'), file('inclusion.json', inclusion), key]);
    expect(included.stdout).toMatch(new RegExp(`^OK: ticket-${ticketId} revision 2 \\(chain hash [0-9a-f]{64}\\) is event \\d+ of the signed log of ${inclusion.treeSize} events\\n$`));

    // A forked old head (another root, signed by another key) and a changed event are refused.
    const forked = { ...firstHead, rootHash: 'ab'.repeat(32) };
    await expect(node([script('verify-consistency.mjs'), file('forked.json', forked), file('new.json', latest), file('proof.json', consistency), key])).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/^NOT PROVEN: .* is not signed by this key\n$/),
    });
    const wrongProof = { ...consistency, proof: consistency.proof.map(() => 'cd'.repeat(32)) };
    await expect(node([script('verify-consistency.mjs'), file('old.json', firstHead), file('new.json', latest), file('wrong.json', wrongProof), key])).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/does not extend/),
    });
    const changed = { ...inclusion, leaf: { ...inclusion.leaf, hash: 'ef'.repeat(32) } };
    await expect(node([script('verify-inclusion.mjs'), file('changed.json', changed), key])).rejects.toMatchObject({ code: 1, stdout: expect.stringMatching(/^NOT PROVEN: /) });
  });
});

describe('the CLI beside a running API', () => {
  it('verifies since a saved head right after a commit, waiting for the API to sign it rather than calling it unsigned', async () => {
    const t = timeline(1);
    expectOk(await as('service').post('/v1/tickets', reportBody({ customerId: 'customer-3', at: t.at(0) })), 201);
    const since = await runCli(['verify', '--since', file('head.json', firstHead)], { DATA_DIR: data.path });
    expect({ code: since.code, stdout: since.stdout }).toEqual({
      code: 0,
      stdout: expect.stringMatching(new RegExp(`^OK: the log of ${countAllEvents(data.path)} events extends the saved head of ${firstHead.treeSize};`)),
    });
  }, 60_000);
});

describe('the CLI beside a stopped API', () => {
  it('prints the head and the public key, proves a ticket, and verifies the log since a saved head', async () => {
    await treeOf(countAllEvents(data.path));
    await app.halt();
    const env = { DATA_DIR: data.path };
    const head = await runCli(['tree-head'], env);
    expect([head.code, head.stderr]).toEqual([0, '']);
    const saved = JSON.parse(head.stdout);
    expect(saved.treeSize).toBe(countAllEvents(data.path));
    const key = await runCli(['public-key'], env);
    expect(key.stdout).toBe(publicKeyPem);
    expect(verifyTreeHead(createPublicKey(key.stdout), saved)).toBe(true);

    const proved = await runCli(['prove', ticketId], env);
    expect(proved.code).toBe(0);
    const { treeHead, proofs } = JSON.parse(proved.stdout);
    expect(proofs.map((p: { revision: number }) => p.revision)).toEqual([0, 1, 2]);
    for (const proof of proofs) {
      const leaf = leafHashOf({ ...proof.leaf, position: parsePosition(proof.leaf.position)! });
      expect(verifyInclusion(leaf, proof.leafIndex, treeHead.treeSize, proof.auditPath.map(hex), hex(treeHead.rootHash))).toBe(true);
    }

    const since = await runCli(['verify', '--since', file('head.json', firstHead)], env);
    expect({ code: since.code, stdout: since.stdout }).toEqual({
      code: 0,
      stdout: `OK: the log of ${saved.treeSize} events extends the saved head of ${firstHead.treeSize}; every chain, leaf, seal and signed head matches\n  seals checked from event 0 on\n`,
    });
    await app.launch();
  }, 120_000);
});
