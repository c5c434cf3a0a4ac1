import test from 'ava';
import { monolith, processPerModule, type Deployment } from './support/deployments.js';
import { fleetScenario } from './support/fleet-scenario.js';
import { expectedTranscript } from './support/fleet-transcript.js';
import { mosquittoForFile } from './support/broker-per-file.js';
import { createDatabase, postgresAvailable } from './support/postgres.js';

/**
 * The topology-equivalence suite: the same fleet scenario, through HTTP and MQTT only, against every way of
 * deploying the build. Each must show the same transcript.
 */
const modules = ['identity', 'devices', 'telemetry', 'alerts', 'commands'];
const pg = await postgresAvailable();
const broker = mosquittoForFile('topologies over MQTT');
const mqtt = broker.available;

function topology(name: string, deploy: () => Promise<Deployment>, needs: { mqtt?: boolean; pg?: boolean } = {}) {
  if ((needs.mqtt && !mqtt) || (needs.pg && !pg)) return;
  test.serial(`[${name}] the fleet scenario gives the same transcript`, async (t) => {
    const deployment = await deploy();
    try {
      t.deepEqual(await fleetScenario(deployment), expectedTranscript);
    } finally {
      await deployment.stop();
    }
  });
}

async function withDatabase(deploy: (dbUrl: string) => Promise<Deployment>): Promise<Deployment> {
  const db = await createDatabase();
  const deployment = await deploy(db.url).catch(async (err) => {
    await db.drop();
    throw err;
  });
  return { ...deployment, stop: () => deployment.stop().finally(() => db.drop()) };
}

topology('monolith, in-process bus, SQLite', () => monolith({}));
topology('monolith, MQTT bus, SQLite', () => monolith({ mqttUrl: broker.url }), { mqtt: true });
topology('process per module over Mosquitto, SQLite', () => processPerModule({ mqttUrl: broker.url }, modules), { mqtt: true });
topology('process per module over Mosquitto, SQLite, event batches', () => processPerModule({ mqttUrl: broker.url, env: { CLEAVE_MQTT_EVENT_BATCHES: 'true' } }, modules), { mqtt: true });
topology('process per module over Mosquitto, PostgreSQL', () => withDatabase((dbUrl) => processPerModule({ mqttUrl: broker.url, dbUrl }, modules)), { mqtt: true, pg: true });
topology('monolith, in-process bus, PostgreSQL', () => withDatabase((dbUrl) => monolith({ dbUrl })), { pg: true });
