import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CheckpointReply, CheckpointRequest } from './checkpointer.js';

/**
 * The checkpointer's thread: its own connection to each SQLite file it is told of, copying the write-ahead log
 * into the database (PASSIVE: the writer goes on meanwhile; with nothing new, it costs a read of the log's header).
 * While a log grows it checks every `busyMs`, so each checkpoint, and the syncs it ends with, stays small: the
 * file system can hold up the writer's commits while a sync runs, and on a virtual disk checkpoints a second apart
 * held commits for 17 to 57 ms, 50 ms apart for under 10 ms. Once no log has changed, it checks every `idleMs`.
 */
const open = new Map<string, Database.Database>();

parentPort!.on('message', (request: CheckpointRequest) => {
  if (request.type === 'open') {
    if (open.has(request.filename)) return;
    try {
      const db = new Database(request.filename, { fileMustExist: true });
      db.pragma('synchronous = NORMAL');
      db.pragma('wal_autocheckpoint = 0');
      open.set(request.filename, db);
    } catch {
      // The owner's own autocheckpoint still bounds the log.
    }
  } else {
    open.get(request.filename)?.close();
    open.delete(request.filename);
    framesAt.delete(request.filename);
    parentPort!.postMessage({ type: 'closed', filename: request.filename } satisfies CheckpointReply);
  }
});

const busyMs = 50;
const idleMs = 1000;
/** Frames in each file's log at the last check: a change means it is being written. */
const framesAt = new Map<string, number>();

/** Checkpoints every open file; true when a log changed since the last check. */
function checkpointAll(): boolean {
  let changed = false;
  for (const [filename, db] of open) {
    try {
      const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
      if (framesAt.get(filename) !== log) changed = true;
      framesAt.set(filename, log);
    } catch {
      db.close();
      open.delete(filename);
      framesAt.delete(filename);
    }
  }
  return changed;
}

const check = () => setTimeout(() => check(), checkpointAll() ? busyMs : idleMs);
check();
