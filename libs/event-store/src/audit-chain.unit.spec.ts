import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import fc from 'fast-check';
import type { EventToAppend, RecordedEvent, StoredEventText } from './event-store.port';
import { canonicalJson, chainEvents, ChainVerifier, eventHash, genesisHash, NOT_AN_OBJECT, SealChecker, sealEvents, sealKeyOf, UNREADABLE_EVENT } from './audit-chain';
import { positionOf } from './position';

/** Stores events the way an adapter would: revisions and positions in order. */
function record(stream: string, events: EventToAppend[], startRevision = 0, startPosition = 0): RecordedEvent[] {
  return events.map((event, i) => ({
    id: randomUUID(),
    stream,
    revision: startRevision + i,
    position: positionOf(startPosition + i),
    type: event.type,
    data: event.data,
    metadata: event.metadata ?? {},
    recordedAt: '2026-11-25T10:00:00.000Z',
  }));
}

function chainOf(stream: string, count: number): RecordedEvent[] {
  let stored: RecordedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const next = chainEvents(stream, stored.at(-1), [{ type: `Step${i}`, data: { i, text: '售后' }, metadata: { actor: { role: 'service' } } }]);
    stored = [...stored, ...record(stream, next, i, i)];
  }
  return stored;
}

function verify(events: RecordedEvent[]) {
  const verifier = new ChainVerifier();
  for (const event of events) verifier.check(event);
  return verifier;
}

describe('the audit hash chain', () => {
  it('writes canonical JSON with sorted keys and no whitespace', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: null }], a: 'é', skip: undefined })).toBe('{"a":"é","b":[2,{"c":null,"d":1}]}');
  });

  it('chains the first event to the genesis value and each next one to the event before', () => {
    const [first, second] = chainOf('ticket-1', 2);
    expect(first.metadata.previousHash).toBe(genesisHash('ticket-1'));
    expect(second.metadata.previousHash).toBe(first.metadata.hash);
    expect(first.metadata.hash).toBe(eventHash(genesisHash('ticket-1'), first));
    expect(first.metadata.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes as docs/audit.md tells a third party to check it', () => {
    const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
    const canon = (v: unknown): string =>
      v === null || typeof v !== 'object'
        ? JSON.stringify(v)
        : Array.isArray(v)
          ? `[${v.map(canon).join(',')}]`
          : `{${Object.keys(v)
              .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
              .sort()
              .map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k])}`)
              .join(',')}}`;
    const e = {
      stream: 'ticket-9',
      revision: 3,
      type: 'Restored',
      data: { z: [1, { b: 'é', a: null }], '10': 1, '9': 2, a: 'x"\n' },
      metadata: { commandId: 'c', actor: { role: 'service', name: 'n', hash: 'nested' }, previousHash: 'p', hash: 'h', schemaVersion: 1, seal: 's' },
    };
    const { hash: _hash, previousHash: _previous, seal: _seal, ...metadata } = e.metadata;
    expect(eventHash('p', e)).toBe(sha(`p\n${canon({ stream: e.stream, revision: e.revision, type: e.type, data: e.data, metadata })}`));
  });

  it('chains the events of one append to each other', () => {
    const events = chainEvents('ticket-2', undefined, [
      { type: 'A', data: {} },
      { type: 'B', data: {} },
    ]);
    expect(events[1].metadata!.previousHash).toBe(events[0].metadata!.hash);
    expect(verify(record('ticket-2', events)).broken).toEqual([]);
  });

  it('passes an untouched log with interleaved streams', () => {
    const a = chainOf('ticket-a', 4);
    const b = chainOf('ticket-b', 3);
    const verifier = verify([a[0], b[0], a[1], b[1], b[2], a[2], a[3]]);
    expect(verifier.broken).toEqual([]);
    expect(verifier.checkedEvents).toBe(7);
    expect(verifier.checkedStreams).toBe(2);
  });

  it('names an event whose data, type or metadata was changed', () => {
    for (const tamper of [
      (e: RecordedEvent) => ({ ...e, data: { ...e.data, i: 99 } }),
      (e: RecordedEvent) => ({ ...e, type: 'Other' }),
      (e: RecordedEvent) => ({ ...e, metadata: { ...e.metadata, actor: { role: 'admin' } } }),
    ]) {
      const events = chainOf('ticket-c', 5);
      events[2] = tamper(events[2]);
      expect(verify(events).broken).toEqual([{ stream: 'ticket-c', revision: 2, reason: 'the content does not match its hash' }]);
    }
  });

  it('names the event after a deleted one', () => {
    const events = chainOf('ticket-d', 5);
    events.splice(2, 1);
    expect(verify(events).broken).toEqual([{ stream: 'ticket-d', revision: 3, reason: 'revision 2 is missing' }]);
  });

  it('names swapped events', () => {
    const events = chainOf('ticket-e', 5);
    // Two events trade places, each keeping its revision number: their contents no longer chain.
    const swapped = [...events];
    swapped[1] = { ...events[2], revision: 1 };
    swapped[2] = { ...events[1], revision: 2 };
    expect(verify(swapped).broken[0]).toMatchObject({ stream: 'ticket-e', revision: 1 });
  });

  it('reports a re-hashed forgery at the event after it, whose previousHash no longer matches', () => {
    const events = chainOf('ticket-f', 4);
    const forged = { ...events[1], data: { i: 1, text: 'changed' } };
    forged.metadata = { ...forged.metadata, hash: eventHash(String(forged.metadata.previousHash), forged) };
    events[1] = forged;
    expect(verify(events).broken).toEqual([
      { stream: 'ticket-f', revision: 2, reason: 'previousHash does not match the hash of the event before it' },
    ]);
  });
});

/** An event as the SQLite adapter writes it: data and metadata through JSON.stringify. */
function asStored(event: RecordedEvent): StoredEventText {
  return { stream: event.stream, revision: event.revision, type: event.type, data: JSON.stringify(event.data), metadata: JSON.stringify(event.metadata) };
}

function verifyStored(rows: StoredEventText[]) {
  const verifier = new ChainVerifier();
  for (const row of rows) verifier.checkStored(row);
  return verifier;
}

/** How stored rows were judged before checkStored: parsed as the adapter parses them, then check. */
function verifyParsed(rows: StoredEventText[]) {
  const verifier = new ChainVerifier();
  for (const row of rows) {
    let event: RecordedEvent;
    try {
      event = { ...row, id: randomUUID(), position: positionOf(0), recordedAt: '', data: JSON.parse(row.data), metadata: JSON.parse(row.metadata) };
    } catch {
      verifier.unreadable(row.stream, row.revision, UNREADABLE_EVENT);
      continue;
    }
    verifier.check(event);
  }
  return verifier;
}

function expectSameVerdict(rows: StoredEventText[]) {
  const stored = verifyStored(rows);
  const parsed = verifyParsed(rows);
  expect({ broken: stored.broken, events: stored.checkedEvents, streams: stored.checkedStreams }).toEqual({
    broken: parsed.broken,
    events: parsed.checkedEvents,
    streams: parsed.checkedStreams,
  });
  return stored;
}

/** A stored log of two interleaved streams whose data has its keys out of order, as the domain writes them. */
function storedLog(): StoredEventText[] {
  const a = chainOf('ticket-a', 4).map(asStored);
  const b = chainOf('ticket-b', 3).map(asStored);
  return [a[0], b[0], a[1], b[1], b[2], a[2], a[3]];
}

describe('the audit hash chain over stored text', () => {
  afterEach(() => jest.restoreAllMocks());

  it('passes an untouched log from the stored text alone, without parsing it', () => {
    const rows = storedLog();
    expect(rows[0].data.indexOf('"text"')).toBeGreaterThan(rows[0].data.indexOf('"i"'));
    const parse = jest.spyOn(JSON, 'parse');
    const verifier = verifyStored(rows);
    expect(parse).not.toHaveBeenCalled();
    expect(verifier.broken).toEqual([]);
    expect(verifier.checkedEvents).toBe(7);
    expect(verifier.checkedStreams).toBe(2);
  });

  it('passes rows equal in meaning to what was hashed but not in canonical form, by parsing them', () => {
    const rows = storedLog();
    const data = JSON.parse(rows[2].data) as Record<string, unknown>;
    const metadata = JSON.parse(rows[5].metadata) as Record<string, unknown>;
    rows[2] = { ...rows[2], data: JSON.stringify(data, null, 2).replace('"i": 1', '"i": 1.0') };
    // The hash itself written with an escape: the same string once parsed.
    rows[5] = { ...rows[5], metadata: JSON.stringify(metadata).replace(`"hash":"${String(metadata.hash).slice(0, 1)}`, `"hash":"\\u00${String(metadata.hash).charCodeAt(0).toString(16)}`) };
    expect(rows[5].metadata).toContain('"hash":"\\u00');
    const parse = jest.spyOn(JSON, 'parse');
    const verifier = expectSameVerdict(rows);
    expect(verifier.broken).toEqual([]);
    expect(parse).toHaveBeenCalled();
  });

  it('names a row whose non-canonical text was hashed as it stands, as the parsed check does', () => {
    const rows = storedLog();
    const row = rows[2];
    const metadata = JSON.parse(row.metadata) as Record<string, unknown>;
    const data = row.data.replace(':', ': ');
    const { hash: _hash, previousHash, ...rest } = metadata;
    // A forger hashing the text with its space instead of the canonical form.
    const record = `{"data":${data},"metadata":${canonicalJson(rest)},"revision":${row.revision},"stream":${JSON.stringify(row.stream)},"type":${JSON.stringify(row.type)}}`;
    const forgedHash = createHash('sha256').update(`${String(previousHash)}\n${record}`).digest('hex');
    rows[2] = { ...row, data, metadata: JSON.stringify({ ...metadata, hash: forgedHash }) };
    expect(expectSameVerdict(rows).broken).toEqual([{ stream: 'ticket-a', revision: 1, reason: 'the content does not match its hash' }]);
  });

  it('names changed, deleted, swapped and re-hashed events as the parsed check does', () => {
    const changed = storedLog();
    changed[2] = { ...changed[2], data: changed[2].data.replace('"i":1', '"i":7') };
    expect(expectSameVerdict(changed).broken).toEqual([{ stream: 'ticket-a', revision: 1, reason: 'the content does not match its hash' }]);

    const retyped = storedLog();
    retyped[4] = { ...retyped[4], type: 'Other' };
    expect(expectSameVerdict(retyped).broken).toEqual([{ stream: 'ticket-b', revision: 2, reason: 'the content does not match its hash' }]);

    const deleted = storedLog();
    deleted.splice(2, 1);
    expect(expectSameVerdict(deleted).broken).toEqual([{ stream: 'ticket-a', revision: 2, reason: 'revision 1 is missing' }]);

    const swapped = storedLog();
    [swapped[5], swapped[6]] = [{ ...swapped[6], revision: 2 }, { ...swapped[5], revision: 3 }];
    expect(expectSameVerdict(swapped).broken[0]).toMatchObject({ stream: 'ticket-a', revision: 2 });

    const unhashed = storedLog();
    const metadata = JSON.parse(unhashed[1].metadata) as Record<string, unknown>;
    delete metadata.hash;
    unhashed[1] = { ...unhashed[1], metadata: JSON.stringify(metadata) };
    expect(expectSameVerdict(unhashed).broken).toEqual([{ stream: 'ticket-b', revision: 0, reason: 'the event has no hash' }]);

    const events = chainOf('ticket-f', 4);
    const forged = { ...events[1], data: { i: 1, text: 'changed' } };
    forged.metadata = { ...forged.metadata, hash: eventHash(String(forged.metadata.previousHash), forged) };
    events[1] = forged;
    expect(expectSameVerdict(events.map(asStored)).broken).toEqual([
      { stream: 'ticket-f', revision: 2, reason: 'previousHash does not match the hash of the event before it' },
    ]);
  });

  it('names an unreadable row, does not blame the rest of its stream for it, and checks the other streams', () => {
    const rows = storedLog();
    rows[2] = { ...rows[2], data: rows[2].data.slice(0, -1) };
    const verifier = expectSameVerdict(rows);
    expect(verifier.broken).toEqual([{ stream: 'ticket-a', revision: 1, reason: UNREADABLE_EVENT }]);
    expect(verifier.checkedEvents).toBe(7);
  });

  it('names a row whose data or metadata is JSON but not an object as broken, and goes on', () => {
    for (const [field, text] of [['metadata', 'null'], ['metadata', '[]'], ['data', '42']] as const) {
      const rows = storedLog();
      rows[2] = { ...rows[2], [field]: text };
      const verifier = new ChainVerifier();
      for (const row of rows) verifier.checkStored(row);
      expect(verifier.broken).toEqual([{ stream: 'ticket-a', revision: 1, reason: NOT_AN_OBJECT }]);
      expect(verifier.checkedEvents).toBe(rows.length);
    }
  });

  it('judges any one-character change to a stored row as the parsed check does', () => {
    const log = storedLog();
    fc.assert(
      fc.property(
        fc.nat(log.length - 1),
        fc.constantFrom<'data' | 'metadata'>('data', 'metadata'),
        fc.nat(),
        fc.constantFrom('drop', 'insert', 'replace'),
        fc.constantFrom(' ', '"', '\\', '0', '9', 'a', 'f', ',', ':', '{', '}', '[', '\n', 'é', '\ud800'),
        (index, column, at, edit, char) => {
          const rows = [...log];
          const text = rows[index][column];
          const i = at % text.length;
          const edited = edit === 'drop' ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + char + text.slice(edit === 'insert' ? i : i + 1);
          rows[index] = { ...rows[index], [column]: edited };
          expectSameVerdict(rows);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('event seals', () => {
  const sealKey = sealKeyOf(generateKeyPairSync('ed25519').privateKey);

  /** Two streams interleaved, every event sealed as the API seals it. */
  function sealedLog(): RecordedEvent[] {
    const a = chainOf('ticket-a', 3).map((event) => ({ ...event, metadata: sealEvents(sealKey, [event])[0].metadata ?? {} }));
    const b = chainOf('ticket-b', 2).map((event) => ({ ...event, metadata: sealEvents(sealKey, [event])[0].metadata ?? {} }));
    return [a[0], b[0], a[1], b[1], a[2]];
  }

  function checkSeals(events: RecordedEvent[], key = sealKey): SealChecker {
    const checker = new SealChecker(key);
    for (const event of events) checker.check(event);
    return checker;
  }

  it('derives one key from one signing key and another from another', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    expect(sealKeyOf(privateKey).equals(sealKeyOf(privateKey))).toBe(true);
    expect(sealKeyOf(privateKey).equals(sealKey)).toBe(false);
  });

  it('leaves the chain hash as it was: a sealed event verifies as the same event unsealed', () => {
    const log = sealedLog();
    expect(log.every((event) => /^[0-9a-f]{64}$/.test(String(event.metadata.seal)))).toBe(true);
    expect(verify(log).broken).toEqual([]);
    // The stored-text path takes the seal out as the parsed path does, without parsing.
    const parse = jest.spyOn(JSON, 'parse');
    const stored = verifyStored(log.map(asStored));
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
    expect(stored.broken).toEqual([]);
    expect(stored.checkedEvents).toBe(5);
    const tampered = log.map(asStored);
    tampered[2] = { ...tampered[2], metadata: tampered[2].metadata.replace('"role":"service"', '"role":"admin"') };
    expectSameVerdict(tampered);
    expect(verifyStored(tampered).broken).toEqual([{ stream: 'ticket-a', revision: 1, reason: 'the content does not match its hash' }]);
    const unsealed = log.map(({ metadata: { seal: _, ...metadata }, ...event }) => ({ ...event, metadata }));
    expect(unsealed.map((event) => event.metadata.hash)).toEqual(log.map((event) => event.metadata.hash));
  });

  it('passes a log whose every event carries its valid seal', () => {
    const checker = checkSeals(sealedLog());
    expect(checker.firstProblem).toBeUndefined();
    expect(checker.sealed).toBe(5);
  });

  it('does not judge events written before the first sealed one', () => {
    const old = chainOf('ticket-old', 2);
    const checker = checkSeals([...old, ...sealedLog()]);
    expect(checker.firstProblem).toBeUndefined();
    expect(checker.sealed).toBe(5);
    expect(checker.firstSealed).toBe(2);
  });

  it('names the first event after a sealed one that has no seal as UNSEALED', () => {
    const log = sealedLog();
    // A forgery with a correct chain hash, appended by a writer without the key.
    const forged = chainEvents('ticket-a', log[4], [{ type: 'Forged', data: { amount: 1 }, metadata: {} }]);
    const [event] = record('ticket-a', forged, 3, 5);
    expect(verify([...log, event]).broken).toEqual([]);
    const checker = checkSeals([...log, event, ...chainOf('ticket-c', 1)]);
    expect(checker.firstProblem?.kind).toBe('UNSEALED');
    expect(checker.firstProblem?.event).toBe(event);
  });

  it('names an event with a wrong seal as FORGED: another key, a seal copied from another event, or not a seal at all', () => {
    const log = sealedLog();
    const otherKey = sealKeyOf(generateKeyPairSync('ed25519').privateKey);
    expect(checkSeals(log, otherKey).firstProblem).toEqual({ kind: 'FORGED', event: log[0] });
    const copied = [...log.slice(0, 2), { ...log[2], metadata: { ...log[2].metadata, seal: log[1].metadata.seal } }, ...log.slice(3)];
    expect(checkSeals(copied).firstProblem).toEqual({ kind: 'FORGED', event: copied[2] });
    for (const seal of [42, 'zz', '']) {
      const bad = [...log.slice(0, 3), { ...log[3], metadata: { ...log[3].metadata, seal } }, log[4]];
      expect(checkSeals(bad).firstProblem).toEqual({ kind: 'FORGED', event: bad[3] });
    }
  });
});
