import type { Knex } from '../../../src/index.js';
import type { Alert } from '../contract.js';

interface AlertRow {
  id: string;
  rule_id: string;
  rule_name: string;
  device_id: string;
  metric: string;
  state: Alert['state'];
  value: number;
  threshold: number;
  raised_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
}

const toAlert = (row: AlertRow): Alert => ({
  id: row.id,
  ruleId: row.rule_id,
  ruleName: row.rule_name,
  deviceId: row.device_id,
  metric: row.metric,
  state: row.state,
  value: Number(row.value),
  threshold: Number(row.threshold),
  raisedAt: row.raised_at,
  acknowledgedAt: row.acknowledged_at,
  acknowledgedBy: row.acknowledged_by,
  resolvedAt: row.resolved_at,
});

const toRow = (alert: Alert): AlertRow => ({
  id: alert.id,
  rule_id: alert.ruleId,
  rule_name: alert.ruleName,
  device_id: alert.deviceId,
  metric: alert.metric,
  state: alert.state,
  value: alert.value,
  threshold: alert.threshold,
  raised_at: alert.raisedAt,
  acknowledged_at: alert.acknowledgedAt,
  acknowledged_by: alert.acknowledgedBy,
  resolved_at: alert.resolvedAt,
});

/** Which unresolved alerts to resolve: one, a rule's, or a device's. */
export type AlertSelector = { id: string } | { ruleId: string } | { deviceId: string };

const columnsOf = (selector: AlertSelector): Partial<AlertRow> =>
  'id' in selector ? { id: selector.id } : 'ruleId' in selector ? { rule_id: selector.ruleId } : { device_id: selector.deviceId };

/** The key of a (rule, device) pair: device ids hold no spaces. */
export const alertKey = (ruleId: string, deviceId: string) => `${ruleId} ${deviceId}`;

/** Queries on alerts' `alerts` table. The store keeps at most one unresolved alert per (rule, device). */
export function makeAlerts(db: Knex) {
  return {
    async list(filter: { state?: Alert['state']; deviceId?: string }): Promise<Alert[]> {
      const query = db<AlertRow>('alerts').orderBy([
        { column: 'raised_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ]);
      if (filter.state) query.where('state', filter.state);
      if (filter.deviceId) query.where('device_id', filter.deviceId);
      return (await query).map(toAlert);
    },

    async byId(id: string): Promise<Alert | undefined> {
      const row = await db<AlertRow>('alerts').where({ id }).first();
      return row && toAlert(row);
    },

    /** The unresolved alert of each of `ruleIds` on this device, by rule id. */
    async unresolvedOn(deviceId: string, ruleIds: string[]): Promise<Map<string, Alert>> {
      const rows = await db<AlertRow>('alerts').where('device_id', deviceId).whereIn('rule_id', ruleIds).whereNot('state', 'resolved');
      return new Map(rows.map((row) => [row.rule_id, toAlert(row)]));
    },

    /** The unresolved alerts of `ruleIds` on any of these devices, by `alertKey`. */
    async unresolvedOnAny(deviceIds: string[], ruleIds: string[]): Promise<Map<string, Alert>> {
      const rows = await db<AlertRow>('alerts').whereIn('device_id', deviceIds).whereIn('rule_id', ruleIds).whereNot('state', 'resolved');
      return new Map(rows.map((row) => [alertKey(row.rule_id, row.device_id), toAlert(row)]));
    },

    /** Inserts the alert unless its (rule, device) already has an unresolved one; true when inserted. */
    async insertIfNoneUnresolved(alert: Alert): Promise<boolean> {
      const inserted = await db<AlertRow>('alerts').insert(toRow(alert), ['id']).onConflict().ignore();
      return inserted.length > 0;
    },

    /** Resolves the selected unresolved alerts and returns them as they are now. */
    async resolve(selector: AlertSelector, at: string): Promise<Alert[]> {
      const rows = await db<AlertRow>('alerts')
        .where(columnsOf(selector))
        .whereNot('state', 'resolved')
        .update({ state: 'resolved', resolved_at: at }, '*');
      return (rows as AlertRow[]).map(toAlert);
    },

    /** Marks the alert acknowledged if it is still open; other states are left as they are. */
    async acknowledge(id: string, by: string | null, at: string): Promise<void> {
      await db<AlertRow>('alerts').where({ id, state: 'open' }).update({ state: 'acknowledged', acknowledged_at: at, acknowledged_by: by });
    },
  };
}

export type Alerts = ReturnType<typeof makeAlerts>;
