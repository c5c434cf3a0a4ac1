import type { Knex } from '../../../src/index.js';
import type { Command, CommandError, CommandState } from '../contract.js';

interface CommandRow {
  seq: number;
  id: string;
  device_id: string;
  name: string;
  args: string;
  state: CommandState;
  created_at: string;
  expires_at: string;
  delivered_at: string | null;
  finished_at: string | null;
  result: string | null;
  error: string | null;
}

/** How a device's reply finishes a command. */
export type Outcome = { state: 'succeeded'; result: Record<string, unknown> } | { state: 'failed'; error: CommandError };

const unanswered: CommandState[] = ['pending', 'delivered'];
const parsed = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

/** A row as callers see it at `now`: an unanswered command past its TTL reads as expired, even before the sweep commits it. */
function toCommand(row: CommandRow, now: string): Command {
  const overdue = unanswered.includes(row.state) && row.expires_at <= now;
  return {
    id: row.id,
    deviceId: row.device_id,
    name: row.name,
    args: JSON.parse(row.args),
    state: overdue ? 'expired' : row.state,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    deliveredAt: row.delivered_at,
    finishedAt: overdue ? row.expires_at : row.finished_at,
    result: parsed(row.result),
    error: parsed(row.error),
  };
}

/** Rows in the state `state` as callers see it at `now`. */
function inState(query: Knex.QueryBuilder<CommandRow>, state: CommandState, now: string) {
  if (unanswered.includes(state)) return query.where('state', state).andWhere('expires_at', '>', now);
  if (state !== 'expired') return query.where('state', state);
  return query.where((q) => q.where('state', 'expired').orWhere((o) => o.whereIn('state', unanswered).andWhere('expires_at', '<=', now)));
}

/**
 * Queries on the `commands` table. A state change succeeds only from an unanswered, unexpired command, so racing
 * replies, cancels and sweeps agree on who made it. The kernel binds it to the handler's transaction.
 */
export function makeCommands(db: Knex) {
  const live = (now: string) => db<CommandRow>('commands').whereIn('state', unanswered).andWhere('expires_at', '>', now);
  const changed = (rows: unknown, now: string) => (rows as CommandRow[]).map((row) => toCommand(row, now));
  return {
    async insert(command: Command): Promise<void> {
      await db<CommandRow>('commands').insert({
        id: command.id,
        device_id: command.deviceId,
        name: command.name,
        args: JSON.stringify(command.args),
        state: command.state,
        created_at: command.createdAt,
        expires_at: command.expiresAt,
      });
    },

    async byId(id: string, now: string): Promise<Command | undefined> {
      const row = await db<CommandRow>('commands').where({ id }).first();
      return row && toCommand(row, now);
    },

    /** Newest first. */
    async list(filter: { deviceId?: string; state?: CommandState; limit: number }, now: string): Promise<Command[]> {
      const query = db<CommandRow>('commands').orderBy('seq', 'desc').limit(filter.limit);
      if (filter.deviceId) query.where('device_id', filter.deviceId);
      if (filter.state) inState(query, filter.state, now);
      return (await query).map((row) => toCommand(row, now));
    },

    /** The device's unanswered, unexpired commands, oldest first. */
    async waiting(deviceId: string, now: string, limit: number): Promise<Command[]> {
      const rows = await live(now).where('device_id', deviceId).orderBy('seq').limit(limit);
      return rows.map((row) => toCommand(row, now));
    },

    /** True when the command was pending and is now delivered. */
    async markDelivered(deviceId: string, id: string, now: string): Promise<boolean> {
      return (await live(now).where({ id, device_id: deviceId, state: 'pending' }).update({ delivered_at: now, state: 'delivered' })) > 0;
    },

    /** The command as finished by this call, or undefined when it is not this device's or no longer waits for a reply. */
    async finish(deviceId: string, id: string, outcome: Outcome, now: string): Promise<Command | undefined> {
      const stored = outcome.state === 'succeeded' ? { result: JSON.stringify(outcome.result) } : { error: JSON.stringify(outcome.error) };
      const rows = await live(now).where({ id, device_id: deviceId }).update({ state: outcome.state, finished_at: now, ...stored }, '*');
      return changed(rows, now)[0];
    },

    async cancel(id: string, now: string): Promise<Command | undefined> {
      return changed(await live(now).where({ id }).update({ state: 'cancelled', finished_at: now }, '*'), now)[0];
    },

    /** Expires up to `limit` unanswered commands past their TTL and returns them. */
    async expireOverdue(now: string, limit: number): Promise<Command[]> {
      const overdue = db<CommandRow>('commands').whereIn('state', unanswered).andWhere('expires_at', '<=', now).orderBy('seq').limit(limit).select('id');
      const rows = await db<CommandRow>('commands')
        .whereIn('id', overdue)
        .whereIn('state', unanswered)
        .andWhere('expires_at', '<=', now)
        .update({ state: 'expired', finished_at: db.raw('??', ['expires_at']) }, '*');
      return changed(rows, now);
    },
  };
}

export type Commands = ReturnType<typeof makeCommands>;
