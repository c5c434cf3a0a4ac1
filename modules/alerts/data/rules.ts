import type { Knex } from '../../../src/index.js';
import type { Rule } from '../contract.js';

interface RuleRow {
  id: string;
  name: string;
  device_id: string | null;
  metric: string;
  op: Rule['op'];
  threshold: number;
  created_at: string;
}

const toRule = (row: RuleRow): Rule => ({
  id: row.id,
  name: row.name,
  deviceId: row.device_id,
  metric: row.metric,
  op: row.op,
  threshold: Number(row.threshold),
  createdAt: row.created_at,
});

/** Queries on alerts' `rules` table. */
export function makeRules(db: Knex) {
  return {
    async insert(rule: Rule): Promise<void> {
      await db<RuleRow>('rules').insert({
        id: rule.id,
        name: rule.name,
        device_id: rule.deviceId,
        metric: rule.metric,
        op: rule.op,
        threshold: rule.threshold,
        created_at: rule.createdAt,
      });
    },

    async list(): Promise<Rule[]> {
      const rows = await db<RuleRow>('rules').orderBy([{ column: 'created_at' }, { column: 'id' }]);
      return rows.map(toRule);
    },

    /** Rules watching these metrics of any of these devices; shared-locked (PostgreSQL) so a rule cannot vanish meanwhile. */
    async watching(deviceIds: string[], metrics: string[]): Promise<Rule[]> {
      const rows = await db<RuleRow>('rules')
        .whereIn('metric', metrics)
        .andWhere((where) => where.whereNull('device_id').orWhereIn('device_id', deviceIds))
        .orderBy([{ column: 'created_at' }, { column: 'id' }])
        .forShare();
      return rows.map(toRule);
    },

    async remove(id: string): Promise<boolean> {
      return (await db<RuleRow>('rules').where({ id }).delete()) > 0;
    },

    async removeTargeting(deviceId: string): Promise<void> {
      await db<RuleRow>('rules').where({ device_id: deviceId }).delete();
    },
  };
}

export type Rules = ReturnType<typeof makeRules>;
