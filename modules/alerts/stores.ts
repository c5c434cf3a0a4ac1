import { makeAlerts } from './data/alerts.js';
import { makeRules } from './data/rules.js';

export { alertKey } from './data/alerts.js';

export const alertsStores = { rules: makeRules, alerts: makeAlerts };

export type AlertsStores = typeof alertsStores;
