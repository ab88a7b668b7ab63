import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

/*
 * A fault injector for the EventStoreDB client path: a small gRPC server built from the service
 * definitions and messages that @eventstore/db-client ships (its `generated/` folder), answering
 * just enough of Streams (Read, Append, BatchAppend), ServerFeatures and Gossip for the adapter,
 * with faults a test can script. It keeps a log in memory and fakes positions.
 *
 * It is NOT EventStoreDB and proves nothing about EventStoreDB's semantics (those come from the
 * contract suite on a real server). It shows what the client and the adapter do when a server
 * answers this way.
 */

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any */
const grpc: typeof import('@grpc/grpc-js') = require('@grpc/grpc-js');
const generated = (name: string): any => require(`@eventstore/db-client/generated/${name}`);
const streamsGrpc = generated('streams_grpc_pb.js');
const streamsPb = generated('streams_pb.js');
const sharedPb = generated('shared_pb.js');
const featuresGrpc = generated('serverfeatures_grpc_pb.js');
const featuresPb = generated('serverfeatures_pb.js');
const gossipGrpc = generated('gossip_grpc_pb.js');
const gossipPb = generated('gossip_pb.js');
const statusPb = generated('status_pb.js');
const anyPb: any = require('google-protobuf/google/protobuf/any_pb.js');

export interface StoredRecord {
  readonly stream: string;
  readonly revision: number;
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
  readonly position: bigint;
}

/** What the injector does wrong; change the fields between calls. */
export interface Faults {
  /** Each subscription opened from now on sends this many events, then fails with UNAVAILABLE. */
  dropSubscriptionsAfter?: number;
  /** Appends are written at once and answered this much later. */
  answerAppendsAfterMs?: number;
  /** The next capabilities call (ServerFeatures) fails with PERMISSION_DENIED, as a proxy may answer. */
  failCapabilitiesOnce?: boolean;
  /** Every Streams call is answered with EventStoreDB's AccessDenied. */
  accessDenied?: boolean;
  /** Streams calls open at once beyond which a new one is refused (RESOURCE_EXHAUSTED). */
  maxConcurrentStreams?: number;
  /** Reads wait this long before they answer (to keep many open at once). */
  delayReadsMs?: number;
  /** The injector's clock runs this far ahead of the client's (BatchAppend deadlines are compared with it). */
  clockAheadMs?: number;
  /** An append that repeats the event ids of the stream's last events is answered as a success without a position. */
  idempotentWithoutPosition?: boolean;
  /** The next append is written, then the server restarts before it answers. */
  restartDuringNextAppend?: boolean;
}

const POSITION_STEP = 100n;

export class EsdbFaultInjector {
  readonly log: StoredRecord[] = [];
  faults: Faults = {};
  /** Calls received, by method name ("Append", "BatchAppend", "Read", "GetSupportedMethods", ...). */
  readonly calls = new Map<string, number>();
  /** The most Streams calls that were open at once. */
  maxOpenStreams = 0;
  private openStreams = 0;
  private server: import('@grpc/grpc-js').Server | undefined;
  private readonly live = new Set<(record: StoredRecord) => void>();
  private readonly subscriptions = new Set<import('@grpc/grpc-js').ServerWritableStream<any, any>>();
  private port = 0;

  get url(): string {
    return `esdb://127.0.0.1:${this.port}?tls=false`;
  }

  get discoverUrl(): string {
    return `esdb+discover://127.0.0.1:${this.port}?tls=false`;
  }

  static async start(): Promise<EsdbFaultInjector> {
    const injector = new EsdbFaultInjector();
    await injector.listen();
    return injector;
  }

  async stop(): Promise<void> {
    this.server?.forceShutdown();
    this.server = undefined;
  }

  /** Stops the server (every open call fails) and starts it again on the same port, with the same log. */
  async restart(): Promise<void> {
    this.server?.forceShutdown();
    this.subscriptions.clear();
    this.live.clear();
    this.openStreams = 0;
    await this.listen();
  }

  /** Writes an event as another service might: any content type, any bytes. */
  writeForeign(stream: string, type: string, contentType: string, data: Uint8Array): StoredRecord {
    return this.write(stream, [{ id: randomUUID(), type, contentType, data, metadata: new Uint8Array() }]).at(-1)!;
  }

  count(method: string): number {
    return this.calls.get(method) ?? 0;
  }

  private async listen(): Promise<void> {
    const server = new grpc.Server();
    server.addService(streamsGrpc.StreamsService, {
      read: (call: any) => this.guarded('Read', call, () => this.read(call)),
      append: (call: any, callback: any) => this.guardedUnary('Append', call, callback, () => this.append(call, callback)),
      batchAppend: (call: any) => this.guarded('BatchAppend', call, () => this.batchAppend(call)),
    });
    server.addService(featuresGrpc.ServerFeaturesService, {
      getSupportedMethods: (_call: any, callback: any) => this.supportedMethods(callback),
    });
    server.addService(gossipGrpc.GossipService, {
      read: (_call: any, callback: any) => this.gossip(callback),
    });
    this.server = server;
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${this.port}`, grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
  }

  private counted(method: string): void {
    this.calls.set(method, this.count(method) + 1);
  }

  /** Counts a streaming call as open until it ends; refuses it when too many are, or access is denied. */
  private guarded(method: string, call: any, handle: () => void): void {
    this.counted(method);
    const refusal = this.refusal();
    if (refusal) {
      call.emit('error', refusal);
      return;
    }
    this.open(call);
    handle();
  }

  private guardedUnary(method: string, call: any, callback: any, handle: () => void): void {
    this.counted(method);
    const refusal = this.refusal();
    if (refusal) {
      callback(refusal);
      return;
    }
    this.open(call);
    handle();
  }

  private refusal(): object | undefined {
    if (this.faults.accessDenied) return denied();
    const limit = this.faults.maxConcurrentStreams;
    if (limit !== undefined && this.openStreams >= limit) {
      return { code: grpc.status.RESOURCE_EXHAUSTED, details: `more than ${limit} concurrent streams` };
    }
    return undefined;
  }

  private open(call: any): void {
    this.openStreams += 1;
    this.maxOpenStreams = Math.max(this.maxOpenStreams, this.openStreams);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      this.openStreams -= 1;
    };
    call.on('finish', close);
    call.on('cancelled', close);
    call.on('close', close);
    call.on('error', close);
  }

  private supportedMethods(callback: any): void {
    this.counted('GetSupportedMethods');
    if (this.faults.failCapabilitiesOnce) {
      this.faults.failCapabilitiesOnce = false;
      callback({ code: grpc.status.PERMISSION_DENIED, details: 'denied by the ingress' });
      return;
    }
    const method = (service: string, name: string) => {
      const m = new featuresPb.SupportedMethod();
      m.setServiceName(service);
      m.setMethodName(name);
      return m;
    };
    const methods = new featuresPb.SupportedMethods();
    methods.setEventStoreServerVersion('24.10.0');
    methods.setMethodsList(['read', 'append', 'batchappend'].map((name) => method('event_store.client.streams.streams', name)));
    callback(null, methods);
  }

  private gossip(callback: any): void {
    this.counted('Gossip');
    const endpoint = new gossipPb.EndPoint();
    endpoint.setAddress('127.0.0.1');
    endpoint.setPort(this.port);
    const member = new gossipPb.MemberInfo();
    const id = new sharedPb.UUID();
    id.setString(randomUUID());
    member.setInstanceId(id);
    member.setState(gossipPb.MemberInfo.VNodeState.LEADER);
    member.setIsAlive(true);
    member.setHttpEndPoint(endpoint);
    const info = new gossipPb.ClusterInfo();
    info.setMembersList([member]);
    callback(null, info);
  }

  private write(stream: string, events: Array<Omit<StoredRecord, 'stream' | 'revision' | 'position'>>): StoredRecord[] {
    let revision = this.revisionOf(stream);
    const written = events.map((event) => {
      revision += 1;
      const record: StoredRecord = { ...event, stream, revision, position: BigInt(this.log.length + 1) * POSITION_STEP };
      this.log.push(record);
      return record;
    });
    for (const record of written) for (const notify of [...this.live]) notify(record);
    return written;
  }

  /** The stream's last revision, -1 when it has no events. */
  private revisionOf(stream: string): number {
    for (let i = this.log.length - 1; i >= 0; i--) if (this.log[i].stream === stream) return this.log[i].revision;
    return -1;
  }

  private expectationFails(options: any, stream: string): boolean {
    const current = this.revisionOf(stream);
    if (options.hasNoStream()) return current !== -1;
    if (options.hasStreamExists()) return current === -1;
    if (options.hasAny()) return false;
    return Number(options.getRevision?.() ?? options.getStreamPosition()) !== current;
  }

  private append(call: any, callback: any): void {
    let options: any;
    const proposed: any[] = [];
    call.on('data', (request: any) => {
      if (request.hasOptions()) options = request.getOptions();
      else proposed.push(request.getProposedMessage());
    });
    call.on('end', () => {
      const stream = Buffer.from(options.getStreamIdentifier().getStreamName()).toString('utf8');
      const response = new streamsPb.AppendResp();
      const events = proposed.map(toStored);
      if (this.faults.idempotentWithoutPosition && this.repeats(stream, events)) {
        const success = new streamsPb.AppendResp.Success();
        success.setCurrentRevision(String(this.revisionOf(stream)));
        success.setNoPosition(new sharedPb.Empty());
        response.setSuccess(success);
        callback(null, response);
        return;
      }
      if (this.expectationFails(options, stream)) {
        const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
        const current = this.revisionOf(stream);
        if (current === -1) wrong.setCurrentNoStream(new sharedPb.Empty());
        else wrong.setCurrentRevision(String(current));
        response.setWrongExpectedVersion(wrong);
        callback(null, response);
        return;
      }
      const written = this.write(stream, events);
      const success = new streamsPb.AppendResp.Success();
      success.setCurrentRevision(String(written.at(-1)!.revision));
      const position = new streamsPb.AppendResp.Position();
      position.setCommitPosition(String(written.at(-1)!.position));
      position.setPreparePosition(String(written.at(-1)!.position));
      success.setPosition(position);
      response.setSuccess(success);
      if (this.faults.restartDuringNextAppend) {
        this.faults.restartDuringNextAppend = false;
        void this.restart();
        return;
      }
      this.answerLater(() => callback(null, response));
    });
  }

  private repeats(stream: string, events: Array<{ id: string }>): boolean {
    const ids = new Set(this.log.filter((r) => r.stream === stream).map((r) => r.id));
    return events.length > 0 && events.every((e) => ids.has(e.id));
  }

  private answerLater(answer: () => void): void {
    const delay = this.faults.answerAppendsAfterMs;
    if (delay) setTimeout(answer, delay);
    else answer();
  }

  private batchAppend(call: any): void {
    const pending = new Map<string, { options: any; proposed: any[]; correlation: any }>();
    call.on('data', (request: any) => {
      const key = request.getCorrelationId().getString();
      const entry = pending.get(key) ?? { options: undefined, proposed: [], correlation: request.getCorrelationId() };
      if (request.hasOptions()) entry.options = request.getOptions();
      entry.proposed.push(...request.getProposedMessagesList());
      pending.set(key, entry);
      if (!request.getIsFinal()) return;
      pending.delete(key);
      const stream = Buffer.from(entry.options.getStreamIdentifier().getStreamName()).toString('utf8');
      const response = new streamsPb.BatchAppendResp();
      response.setCorrelationId(entry.correlation);
      response.setStreamIdentifier(entry.options.getStreamIdentifier());
      const deadline = entry.options.getDeadline();
      const serverNow = Date.now() + (this.faults.clockAheadMs ?? 0);
      if (deadline && deadline.toDate().getTime() < serverNow) {
        response.setError(rpcStatus(grpc.status.DEADLINE_EXCEEDED, 'Timeout', sharedPb.Timeout, 'event_store.client.Timeout'));
        call.write(response);
        return;
      }
      const events = entry.proposed.map(toStored);
      if (this.faults.idempotentWithoutPosition && this.repeats(stream, events)) {
        const success = new streamsPb.BatchAppendResp.Success();
        success.setCurrentRevision(String(this.revisionOf(stream)));
        success.setNoPosition(new (require('google-protobuf/google/protobuf/empty_pb.js').Empty)());
        response.setSuccess(success);
        call.write(response);
        return;
      }
      if (this.expectationFails(entry.options, stream)) {
        response.setError(rpcStatus(grpc.status.FAILED_PRECONDITION, 'WrongExpectedVersion', sharedPb.WrongExpectedVersion, 'event_store.client.WrongExpectedVersion'));
        call.write(response);
        return;
      }
      const written = this.write(stream, events);
      const success = new streamsPb.BatchAppendResp.Success();
      success.setCurrentRevision(String(written.at(-1)!.revision));
      const position = new sharedPb.AllStreamPosition();
      position.setCommitPosition(String(written.at(-1)!.position));
      position.setPreparePosition(String(written.at(-1)!.position));
      success.setPosition(position);
      response.setSuccess(success);
      if (this.faults.restartDuringNextAppend) {
        this.faults.restartDuringNextAppend = false;
        void this.restart();
        return;
      }
      this.answerLater(() => call.write(response));
    });
    call.on('end', () => call.end());
  }

  private read(call: any): void {
    const options = call.request.getOptions();
    const count = Number(options.getCount?.() || '0') || Number.MAX_SAFE_INTEGER;
    const backwards = options.getReadDirection() === 1;
    const send = (records: StoredRecord[]) => {
      for (const record of records) call.write(readEvent(record));
    };
    const answer = (respond: () => void) => {
      const delay = this.faults.delayReadsMs;
      if (delay) setTimeout(respond, delay);
      else respond();
    };

    if (options.hasSubscription()) {
      this.subscribe(call, options);
      return;
    }
    if (options.hasStream()) {
      const streamOptions = options.getStream();
      const stream = Buffer.from(streamOptions.getStreamIdentifier().getStreamName()).toString('utf8');
      const events = this.log.filter((r) => r.stream === stream);
      answer(() => {
        if (events.length === 0) {
          const response = new streamsPb.ReadResp();
          const notFound = new streamsPb.ReadResp.StreamNotFound();
          notFound.setStreamIdentifier(streamOptions.getStreamIdentifier());
          response.setStreamNotFound(notFound);
          call.write(response);
          call.end();
          return;
        }
        let selected: StoredRecord[];
        if (streamOptions.hasRevision()) {
          const from = Number(streamOptions.getRevision());
          selected = backwards ? events.filter((r) => r.revision <= from).reverse() : events.filter((r) => r.revision >= from);
        } else selected = backwards ? [...events].reverse() : events;
        send(selected.slice(0, count));
        call.end();
      });
      return;
    }
    const all = options.getAll();
    answer(() => {
      let selected: StoredRecord[];
      if (all.hasPosition()) {
        const from = BigInt(all.getPosition().getCommitPosition());
        selected = backwards ? this.log.filter((r) => r.position < from).reverse() : this.log.filter((r) => r.position >= from);
      } else if (all.hasEnd()) selected = backwards ? [...this.log].reverse() : [];
      else selected = backwards ? [] : [...this.log];
      send(selected.slice(0, count));
      call.end();
    });
  }

  private subscribe(call: any, options: any): void {
    const all = options.getAll();
    const after = all.hasPosition() ? BigInt(all.getPosition().getCommitPosition()) : all.hasEnd() ? BigInt(this.log.length + 1) * POSITION_STEP : 0n;
    const dropAfter = this.faults.dropSubscriptionsAfter;
    let sent = 0;
    let ended = false;
    const confirmation = new streamsPb.ReadResp();
    const confirmed = new streamsPb.ReadResp.SubscriptionConfirmation();
    confirmed.setSubscriptionId(randomUUID());
    confirmation.setConfirmation(confirmed);
    call.write(confirmation);
    const deliver = (record: StoredRecord) => {
      if (ended || record.position <= after) return;
      if (dropAfter !== undefined && sent >= dropAfter) {
        ended = true;
        stop();
        call.emit('error', { code: grpc.status.UNAVAILABLE, details: `subscription dropped after ${sent} events (injected)` });
        return;
      }
      sent += 1;
      call.write(readEvent(record));
    };
    const stop = () => {
      this.live.delete(deliver);
      this.subscriptions.delete(call);
    };
    this.subscriptions.add(call);
    this.live.add(deliver);
    call.on('cancelled', stop);
    for (const record of [...this.log]) deliver(record);
  }
}

function toStored(message: any): Omit<StoredRecord, 'stream' | 'revision' | 'position'> {
  const metadata = message.getMetadataMap();
  return {
    id: message.getId().getString(),
    type: metadata.get('type'),
    contentType: metadata.get('content-type'),
    data: message.getData_asU8(),
    metadata: message.getCustomMetadata_asU8(),
  };
}

function readEvent(record: StoredRecord): any {
  const event = new streamsPb.ReadResp.ReadEvent.RecordedEvent();
  const id = new sharedPb.UUID();
  id.setString(record.id);
  event.setId(id);
  const identifier = new sharedPb.StreamIdentifier();
  identifier.setStreamName(Buffer.from(record.stream, 'utf8'));
  event.setStreamIdentifier(identifier);
  event.setStreamRevision(String(record.revision));
  event.setCommitPosition(String(record.position));
  event.setPreparePosition(String(record.position));
  event.getMetadataMap().set('type', record.type);
  event.getMetadataMap().set('content-type', record.contentType);
  event.getMetadataMap().set('created', String(BigInt(Date.now()) * 10_000n));
  event.setData(record.data);
  event.setCustomMetadata(record.metadata);
  const read = new streamsPb.ReadResp.ReadEvent();
  read.setEvent(event);
  read.setCommitPosition(String(record.position));
  const response = new streamsPb.ReadResp();
  response.setEvent(read);
  return response;
}

/** EventStoreDB's AccessDenied: PERMISSION_DENIED with the `exception` trailer the client reads. */
function denied(): object {
  const metadata = new grpc.Metadata();
  metadata.set('exception', 'access-denied');
  return { code: grpc.status.PERMISSION_DENIED, details: 'Access denied (injected)', metadata };
}

function rpcStatus(code: number, message: string, DetailType: any, typeName: string): any {
  const status = new statusPb.Status();
  status.setCode(code);
  status.setMessage(message);
  const details = new anyPb.Any();
  details.pack(new DetailType().serializeBinary(), typeName);
  status.setDetails(details);
  return status;
}
