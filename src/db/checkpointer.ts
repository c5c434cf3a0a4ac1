import { Worker } from 'node:worker_threads';
import { buildFile } from '../files.js';

/** What the checkpointer's thread is told: a SQLite file to keep checkpointed, or one its owner closed. */
export type CheckpointRequest = { type: 'open'; filename: string } | { type: 'close'; filename: string };

let worker: Worker | undefined;

function thread(): Worker {
  if (!worker) {
    worker = new Worker(buildFile('src/db/checkpoint-worker.js'));
    worker.unref();
    worker.on('error', () => (worker = undefined));
    worker.on('exit', () => (worker = undefined));
  }
  return worker;
}

/**
 * Checkpoints a SQLite file in WAL mode on a thread of its own. A checkpoint copies the log into the database
 * and syncs both; run by the connection that commits (SQLite's autocheckpoint), it held up the event loop for
 * tens of milliseconds every few seconds under steady ingestion. The returned function stops it, before the
 * owner closes its connection. The owner keeps a high autocheckpoint as a bound in case the thread falls behind.
 */
export function checkpointInBackground(filename: string): () => void {
  thread().postMessage({ type: 'open', filename } satisfies CheckpointRequest);
  return () => worker?.postMessage({ type: 'close', filename } satisfies CheckpointRequest);
}
