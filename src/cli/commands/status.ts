import { redact } from '../../config/load.js';
import { trustedCas } from '../../tls/certificates.js';
import { list, print, printJson, table } from '../output.js';
import { resolveConfig, withConfigFlags, type Command } from '../options.js';

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
    const rows = instances.map((i) => [i.instanceId, list(modules(i)), i.http ?? '-', i.version ?? '-', i.startedAt ?? '-']);
    print(...table(rows, ['INSTANCE', 'MODULES', 'HTTP', 'VERSION', 'STARTED']));
  },
};
