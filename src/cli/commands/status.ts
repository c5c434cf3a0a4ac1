import type { InstanceInfo } from '../../bus/presence.js';
import { redact } from '../../config/load.js';
import { trustedCas } from '../../tls/certificates.js';
import { list, print, printJson, table } from '../output.js';
import { resolveConfig, withConfigFlags, type Command } from '../options.js';

/** The modules an instance refuses to call for now, e.g. `telemetry open`; `-` when every circuit is closed. */
function circuitsOf(instance: InstanceInfo): string {
  const open = Object.entries(instance.circuits ?? {}).filter(([, state]) => typeof state === 'string');
  return open.length ? open.map(([module, state]) => `${module} ${state}`).join(', ') : '-';
}

/** `cleave status`: the live instances of a deployment, read from their presence on the MQTT bus. */
export const statusCommand: Command = {
  builder: (yargs) => withConfigFlags(yargs, ['mqtt-url', 'mqtt-ca']).option('json', { type: 'boolean', describe: 'Print JSON' }),
  handler: async (argv) => {
    const { config } = await resolveConfig(argv);
    const { url } = config.bus.mqtt;
    const { readPresence } = await import('../../bus/presence.js');
    const instances = await readPresence(url, config.bus.namespace, undefined, trustedCas('bus.mqtt.ca', config.bus.mqtt.ca));
    if (argv.json) return printJson(instances);
    if (!instances.length) {
      print(`no live instances in namespace "${config.bus.namespace}" on ${redact(config).bus.mqtt.url}`);
      return;
    }
    const modules = (i: (typeof instances)[number]) => i.modules.map((m) => (i.contracts?.[m] ? `${m}@${i.contracts[m]}` : m));
    const rows = instances.map((i) => [i.instanceId, list(modules(i)), i.http ?? '-', i.version ?? '-', i.startedAt ?? '-', circuitsOf(i)]);
    print(...table(rows, ['INSTANCE', 'MODULES', 'HTTP', 'VERSION', 'STARTED', 'CIRCUITS']));
  },
};
