/**
 * One verify on a worker thread: it opens a connection of its own to the event store, walks the
 * hash chains, sends the verification (or why it failed) to the thread that started it, and ends.
 * The request thread keeps answering HTTP meanwhile. Started by `ChainVerification`.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { EventStoreError, openEventStore, type EventStoreLocation, type SqliteSynchronous } from '@app/event-store';
import { ProblemError, type Problem } from '../http/problem';
import { verifyStore, type Verification } from './verify-chains';

export interface VerifyWorkerSettings {
  readonly eventStore: EventStoreLocation;
  readonly sqliteSynchronous: SqliteSynchronous;
  readonly stream?: string;
}

/** What the worker sends back: one message, then it exits. */
export type VerifyWorkerMessage =
  | { readonly type: 'verified'; readonly verification: Verification }
  | { readonly type: 'problem'; readonly problem: Problem }
  | { readonly type: 'store-error'; readonly code: string; readonly message: string }
  | { readonly type: 'failed'; readonly message: string };

/** The nice value of the verify thread: on a busy machine the request thread gets the cores first. */
const VERIFY_NICENESS = 10;

/**
 * On Linux a nice value belongs to a thread, and setpriority(2) on "this process" (what
 * os.setPriority does without a pid) sets the calling thread's: this thread only. Elsewhere it
 * would lower the whole server, so it is left alone.
 */
function yieldToRequests(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(VERIFY_NICENESS);
  } catch {
    // Not allowed here: the verify runs at the server's priority.
  }
}

async function run(settings: VerifyWorkerSettings): Promise<VerifyWorkerMessage> {
  yieldToRequests();
  try {
    const store = await openEventStore(settings.eventStore, { sqliteSynchronous: settings.sqliteSynchronous });
    try {
      return { type: 'verified', verification: await verifyStore(store, settings.stream) };
    } finally {
      await store.close();
    }
  } catch (error) {
    if (error instanceof ProblemError) return { type: 'problem', problem: error.problem };
    if (error instanceof EventStoreError) return { type: 'store-error', code: error.code, message: error.message };
    return { type: 'failed', message: (error as Error)?.message ?? String(error) };
  }
}

if (parentPort) {
  const port = parentPort;
  void run(workerData as VerifyWorkerSettings).then((message) => {
    port.postMessage(message);
    port.close();
  });
}
