import type { Knex } from 'knex';

/** One event a consumer gave up on. */
export interface DeadLetter {
  id: string;
  type: string;
  attempts: number;
  error: string;
  failedAt: string;
  data: unknown;
}

/** The dead letters of one module's store, oldest first. */
export async function listDeadLetters(db: Knex): Promise<DeadLetter[]> {
  const rows = await db('cleave_dead_letters').orderBy('failed_at').select();
  return rows.map((row) => ({
    id: row.id,
    type: row.type,
    attempts: Number(row.attempts),
    error: row.error,
    failedAt: new Date(Number(row.failed_at)).toISOString(),
    data: (JSON.parse(row.envelope) as { data: unknown }).data,
  }));
}

/**
 * Puts dead letters back in the inbox as new (all of them, or those with the given ids); a running host
 * picks them up within a second. Returns the ids replayed.
 */
export async function replayDeadLetters(db: Knex, ids?: string[]): Promise<string[]> {
  return db.transaction(async (trx) => {
    const query = trx('cleave_dead_letters').select('id');
    if (ids?.length) query.whereIn('id', ids);
    const found: string[] = (await query).map((row: { id: string }) => row.id);
    if (found.length === 0) return [];
    await trx('cleave_inbox')
      .whereIn('id', found)
      .update({ status: 'pending', attempts: 0, next_at: Date.now(), last_error: null });
    await trx('cleave_dead_letters').whereIn('id', found).delete();
    return found;
  });
}
