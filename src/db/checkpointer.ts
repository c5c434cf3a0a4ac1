import { Worker } from 'node:worker_threads';
import { buildFile } from '../files.js';

/** What the checkpointer's thread is told: a SQLite file to keep checkpointed, or one its owner closes. */
export type CheckpointRequest = { type: 'open'; filename: string } | { type: 'close'; filename: string };
/** What the thread answers once it has closed its connection to a file. */
export type CheckpointReply = { type: 'closed'; filename: string };

let worker: Worker | undefined;
/** Owners waiting for the thread to let go of a file. */
const closing = new Map<string, Array<() => void>>();

function releaseAll(): void {
  worker = undefined;
  for (const waiters of closing.values()) for (const resolve of waiters) resolve();
  closing.clear();
}

function thread(): Worker {
  if (!worker) {
    worker = new Worker(buildFile('src/db/checkpoint-worker.js'));
    worker.on('message', ({ filename }: CheckpointReply) => {
      for (const resolve of closing.get(filename) ?? []) resolve();
      closing.delete(filename);
    });
    worker.on('error', releaseAll);
    worker.on('exit', releaseAll);
    // After the listeners: adding one for messages holds the process open again.
    worker.unref();
  }
  return worker;
}

/**
 * Checkpoints a SQLite file in WAL mode on a thread of its own. A checkpoint copies the log into the database
 * and syncs both; run by the connection that commits (SQLite's autocheckpoint), it held up the event loop for
 * tens of milliseconds every few seconds under steady ingestion. The returned function stops it and resolves once
 * the thread has closed its connection, so that the owner's own close is the last one (which removes the log)
 * and no file of the database changes after that. The owner keeps a high autocheckpoint as a bound in case the
 * thread falls behind.
 */
export function checkpointInBackground(filename: string): () => Promise<void> {
  thread().postMessage({ type: 'open', filename } satisfies CheckpointRequest);
  return () => {
    if (!worker) return Promise.resolve();
    const released = new Promise<void>((resolve) => closing.set(filename, [...(closing.get(filename) ?? []), resolve]));
    worker.postMessage({ type: 'close', filename } satisfies CheckpointRequest);
    return released;
  };
}
