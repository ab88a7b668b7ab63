/**
 * The writer thread of a pipelined rebuild (`ThreadBatchWriter`): applies the planned batches it
 * is sent, in order, each with its checkpoint in one transaction on its own connection, and
 * reports each commit. The first failure is reported and ends the thread; later batches are not
 * applied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PlannedBatchApplier, reportOf, type BatchWriterCommand, type BatchWriterReport, type BatchWriterSettings } from './batch-writer';
import { ReadModelStore } from './read-model-store';

const settings = workerData as BatchWriterSettings;
const port = parentPort!;
const readModels = ReadModelStore.open(settings.path);
const applier = new PlannedBatchApplier(readModels, settings.projection, settings.generation);
let failed = false;

const finish = () => {
  readModels.close();
  port.close();
};

port.on('message', (command: BatchWriterCommand) => {
  if (command.type === 'close') return finish();
  if (failed) return;
  try {
    applier.apply(command.planned);
    port.postMessage({ type: 'committed', batch: command.planned.batch } satisfies BatchWriterReport);
  } catch (error) {
    failed = true;
    port.postMessage(reportOf(command.planned.batch, error));
    finish();
  }
});
