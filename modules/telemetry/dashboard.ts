import { html, timestamp, type Panel } from '../../src/index.js';
import { telemetryContract } from './contract.js';

export const latestReadingsPanel: Panel = {
  id: 'latest-readings',
  title: 'Latest readings',
  async render(view) {
    const id = view.params.device;
    if (!id) return html`<p class="note">Pick a device in the Devices panel to see its latest readings.</p>`;
    const { readings } = await view.client(telemetryContract).latestReadings({ id });
    if (readings.length === 0) return html`<p class="note">Device <code>${id}</code> has sent no readings yet.</p>`;
    return html`<table>
<caption class="note">Device <code>${id}</code></caption>
<thead><tr><th scope="col">Metric</th><th scope="col" class="num">Value</th><th scope="col">Measured at</th></tr></thead>
<tbody>${readings.map((r) => html`<tr data-metric="${r.metric}"><td>${r.metric}</td><td class="num">${r.value}</td><td>${timestamp(r.ts)}</td></tr>`)}</tbody>
</table>`;
  },
};
