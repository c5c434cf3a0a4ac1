import { html, timestamp, type Panel, type PanelView } from '../../src/index.js';
import { alertsContract, type Alert } from './contract.js';

const recentlyAcknowledged = 10;

function row(alert: Alert, view: PanelView) {
  const action =
    alert.state === 'open' && view.allows('operator')
      ? html`<form class="inline" hx-post="${view.actionUrl('acknowledge')}" hx-target="closest section" hx-swap="outerHTML">
<input type="hidden" name="id" value="${alert.id}"><button id="alerts-acknowledge-${alert.id}" type="submit" aria-label="Acknowledge ${alert.ruleName} on ${alert.deviceId}">Acknowledge</button></form>`
      : '';
  const by = alert.state === 'acknowledged' ? html`<br><small>by ${alert.acknowledgedBy ?? '?'}</small>` : '';
  return html`<tr data-alert="${alert.id}"><td>${alert.ruleName}</td><td><code>${alert.deviceId}</code></td>
<td>${alert.metric} = ${alert.value} (threshold ${alert.threshold})</td><td>${timestamp(alert.raisedAt)}</td>
<td><span class="badge ${alert.state}">${alert.state}</span>${by} ${action}</td></tr>`;
}

export const alertsPanel: Panel = {
  id: 'alerts',
  title: 'Alerts',
  async render(view) {
    const alerts = view.client(alertsContract);
    const [open, acknowledged] = await Promise.all([alerts.listAlerts({ state: 'open' }), alerts.listAlerts({ state: 'acknowledged' })]);
    const recent = acknowledged.alerts.sort((a, b) => (b.acknowledgedAt ?? '').localeCompare(a.acknowledgedAt ?? '')).slice(0, recentlyAcknowledged);
    const shown = [...open.alerts, ...recent];
    return html`<p class="note"><strong>${open.alerts.length}</strong> open</p>
${shown.length === 0 ? html`<p class="note">No open alert.</p>` : html`<table>
<thead><tr><th scope="col">Rule</th><th scope="col">Device</th><th scope="col">Reading</th><th scope="col">Raised</th><th scope="col">State</th></tr></thead>
<tbody>${shown.map((alert) => row(alert, view))}</tbody>
</table>`}`;
  },
  actions: {
    acknowledge: {
      access: 'operator',
      run: async (form, view) => void (await view.client(alertsContract).acknowledgeAlert({ id: form.id ?? '' })),
    },
  },
};
