import { html, timestamp, type Panel } from '../../src/index.js';
import { devicesContract, type Device } from './contract.js';

const shown = 200;

const byPresenceThenName = (a: Device, b: Device) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name);

export const devicesPanel: Panel = {
  id: 'devices',
  title: 'Devices',
  async render(view) {
    const { devices } = await view.client(devicesContract).listDevices({});
    const online = devices.filter((d) => d.online).length;
    const rows = [...devices].sort(byPresenceThenName).slice(0, shown);
    return html`<p class="note"><strong>${online}</strong> online, <strong>${devices.length - online}</strong> offline${devices.length > shown ? html` (showing ${shown})` : ''}</p>
${devices.length === 0 ? html`<p class="note">No device is registered yet.</p>` : html`<table>
<thead><tr><th scope="col">Device</th><th scope="col">Labels</th><th scope="col">Status</th><th scope="col">Last seen</th></tr></thead>
<tbody>${rows.map(
        (d) => html`<tr data-device="${d.id}"${view.params.device === d.id ? html` aria-current="true"` : ''}>
<td><a id="devices-device-${d.id}" href="${view.link({ device: d.id })}" title="Latest readings of ${d.name}">${d.name}</a><br><code>${d.id}</code></td>
<td>${Object.entries(d.labels).map(([k, v]) => html`<span class="tag">${k}=${v}</span>`)}</td>
<td><span class="badge ${d.online ? 'online' : 'offline'}">${d.online ? 'online' : 'offline'}</span></td>
<td>${timestamp(d.lastSeenAt)}</td></tr>`,
      )}</tbody>
</table>`}`;
  },
};
