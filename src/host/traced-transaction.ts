import type { Knex } from 'knex';
import { activeContext, codeOf, endFailed, runIn, startSpan, tracingOn, withSpan, type Context } from '../observability/tracing.js';

export type { Context };

/**
 * A module's store transaction as a span (INTERNAL, `<module> transaction`), the parent of the events it
 * publishes. The span's context is handed over explicitly: a pooled connection may run the transaction's
 * callback in whatever async context released it, so the callback re-enters the span with `run`.
 */
export interface TracedTransaction {
  /** The transaction's span, as a parent; undefined with tracing off. */
  context: Context | undefined;
  /** Runs `fn` with the transaction's span active. */
  run<T>(fn: () => T): T;
}

const untraced: TracedTransaction = { context: undefined, run: (fn) => fn() };

/** The active context when tracing is on, to be taken where a handler starts. */
export function handlerContext(): Context | undefined {
  return tracingOn() ? activeContext() : undefined;
}

const systemOf = (db: Knex): string => (/^(pg|postgres)/.test(String(db.client.config.client)) ? 'postgresql' : 'sqlite');

/** Runs `body` (which opens the transaction) inside a transaction span of `parent`, failed when it throws. */
export async function transactionTraced<T>(module: string, db: Knex, parent: Context | undefined, body: (traced: TracedTransaction) => Promise<T>): Promise<T> {
  if (!tracingOn()) return body(untraced);
  const from = parent ?? activeContext();
  const span = startSpan(`${module} transaction`, 'INTERNAL', from);
  if (span.isRecording()) span.setAttributes({ 'db.system.name': systemOf(db), 'db.namespace': module });
  const inside = withSpan(from, span);
  try {
    const value = await runIn(inside, () => body({ context: inside, run: (fn) => runIn(inside, fn) }));
    span.end();
    return value;
  } catch (err) {
    endFailed(span, codeOf(err));
    throw err;
  }
}
