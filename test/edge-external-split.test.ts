import { randomBytes } from 'node:crypto';
import { registerDevice } from './support/devices.js';
import { eventually, startTestHost, testBusKey, type TestHost } from './support/host.js';
import { startMosquitto, type Mosquitto } from './support/mosquitto.js';
import { connectWhenProvisioned, dynsec, external, externalConfig, type Device } from './support/external-broker.js';

/** A deployment on the MQTT bus: the devices module in one process (`--edge off`), the device listener in another. */
async function splitDeployment(devicesBroker: Mosquitto, busBroker: Mosquitto) {
  const bus = { 'bus.transport': 'mqtt', 'bus.mqtt.url': busBroker.url, 'bus.namespace': `creds-${randomBytes(4).toString('hex')}`, 'bus.key': testBusKey };
  const listenerConfig = { ...externalConfig(devicesBroker), ...bus, modules: 'none' };
  const api = await startTestHost({
    config: { ...bus, modules: 'identity,devices,telemetry', 'edge.broker': 'off', 'edge.url': listenerConfig['edge.url'], 'bus.instance': `api-${randomBytes(4).toString('hex')}` },
  });
  const logs: string[] = [];
  const startListener = () => startTestHost({ config: listenerConfig, logTo: { write: (line: string) => void logs.push(line) } });
  return { api, startListener, logs };
}

external('when a device is registered on the MQTT bus before any device listener ran, then it connects once a listener starts', async (t) => {
  const [devicesBroker, busBroker] = [await startMosquitto({ dynsec }), await startMosquitto()];
  t.teardown(async () => {
    await devicesBroker.stop();
    await busBroker.stop();
  });
  const { api, startListener } = await splitDeployment(devicesBroker, busBroker);
  t.teardown(() => api.stop());
  const device = await registerDevice(api);

  const listener = await startListener();
  t.teardown(() => listener.stop());
  const client = await connectWhenProvisioned(devicesBroker, device, 20_000);
  t.true(client.connected);
  client.end(true);
});

external('when the device broker is down while a device is registered on the MQTT bus, then the listener applies the event once it is back', async (t) => {
  const [devicesBroker, busBroker] = [await startMosquitto({ dynsec }), await startMosquitto()];
  t.teardown(async () => {
    await devicesBroker.stop();
    await busBroker.stop();
  });
  const { api, startListener, logs } = await splitDeployment(devicesBroker, busBroker);
  t.teardown(() => api.stop());
  let listener: TestHost | undefined;
  t.teardown(() => listener?.stop());
  listener = await startListener();
  (await connectWhenProvisioned(devicesBroker, await registerDevice(api))).end(true);

  let device: Device | undefined;
  await devicesBroker.restart(async () => {
    device = await registerDevice(api);
    const failed = (line: string) => line.includes('event intake failed');
    await eventually(async () => (logs.some(failed) ? true : undefined), 20_000, 'the listener to fail the event while the broker is down');
  });
  const client = await connectWhenProvisioned(devicesBroker, device!, 30_000);
  t.true(client.connected);
  client.end(true);
});
