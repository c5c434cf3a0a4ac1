import type { InstanceInfo } from '../bus/presence.js';
import { html } from '../kernel/html.js';
import type { Panel } from '../kernel/panels.js';
import { RateBook, type ModuleRates } from './rates.js';

/**
 * The kernel's own panels, the same for every build: the deployment's instances as presence lists them (on the
 * in-process bus, this host alone), and per module the instances hosting it and its request, event and error
 * rates across the deployment.
 */

/** A duration as people read it: `42 s`, `5 min 3 s`, `2 h 10 min`, `3 d 4 h`. */
export function uptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const [d, h, m] = [Math.floor(s / 86_400), Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60];
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  return `${m} min ${s % 60} s`;
}

const rate = (value: number) => (value === 0 ? '0' : value < 0.1 ? '< 0.1' : value.toFixed(1));

export function instancesPanel(instances: () => InstanceInfo[], now: () => number = Date.now): Panel {
  return {
    id: 'instances',
    title: 'Instances',
    async render() {
      const live = instances().sort((a, b) => a.instanceId.localeCompare(b.instanceId));
      const started = (info: InstanceInfo) => (info.startedAt ? Date.parse(info.startedAt) : NaN);
      return html`<table>
<thead><tr><th scope="col">Instance</th><th scope="col">Modules</th><th scope="col">Version</th><th scope="col">Uptime</th></tr></thead>
<tbody>${live.map(
        (info) => html`<tr data-instance="${info.instanceId}"><td>${/^https?:\/\//.test(info.http ?? '') ? html`<a id="kernel-instance-${info.instanceId}" href="${info.http}/dashboard">${info.instanceId}</a>` : info.instanceId}</td>
<td>${info.modules.length ? info.modules.map((m) => html`<span class="tag">${m}</span>`) : html`<span class="idle">none</span>`}</td>
<td>${info.version ?? '?'}</td><td>${Number.isNaN(started(info)) ? '?' : uptime(now() - started(info))}</td></tr>`,
      )}</tbody>
</table>`;
    },
  };
}

export function modulesPanel(modules: string[], instances: () => InstanceInfo[]): Panel {
  const rates = new RateBook();
  return {
    id: 'modules',
    title: 'Modules',
    async render() {
      const live = instances();
      const { measured, modules: byModule } = rates.update(live);
      const zero: ModuleRates = { requests: 0, events: 0, errors: 0 };
      const cells = (module: string) => {
        if (!measured) return html`<td class="num">…</td><td class="num">…</td><td class="num">…</td>`;
        const r = byModule.get(module) ?? zero;
        return html`<td class="num">${rate(r.requests)}</td><td class="num">${rate(r.events)}</td><td class="num ${r.errors > 0 ? 'error' : ''}">${rate(r.errors)}</td>`;
      };
      return html`<table>
<thead><tr><th scope="col">Module</th><th scope="col">Instances</th><th scope="col" class="num">Requests/s</th><th scope="col" class="num">Events/s</th><th scope="col" class="num">Errors/s</th></tr></thead>
<tbody>${modules.map((module) => {
        const hosts = live.filter((info) => info.modules.includes(module)).length;
        return html`<tr data-module="${module}"><th scope="row">${module}</th><td>${hosts ? hosts : html`<span class="open">none</span>`}</td>${cells(module)}</tr>`;
      })}</tbody>
</table>
${measured ? '' : html`<p class="note">Rates appear once instances have sent two activity summaries (one every few seconds).</p>`}`;
    },
  };
}
