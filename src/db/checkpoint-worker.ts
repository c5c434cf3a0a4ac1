import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CheckpointReply, CheckpointRequest } from './checkpointer.js';

/**
 * The checkpointer's thread: its own connection to each SQLite file it is told of, copying the write-ahead log
 * into the database every second (PASSIVE: the writer goes on meanwhile; with nothing new, it costs a read of
 * the log's header).
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
    parentPort!.postMessage({ type: 'closed', filename: request.filename } satisfies CheckpointReply);
  }
});

const everyMs = 1000;
setInterval(() => {
  for (const [filename, db] of open) {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      db.close();
      open.delete(filename);
    }
  }
}, everyMs);
