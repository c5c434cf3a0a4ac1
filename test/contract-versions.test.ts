import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { readPresence } from '../src/bus/presence.js';
import { CleaveError } from '../src/errors.js';
import { quotesV1Minor, quotesV2 } from './fixtures/modules/quotes/contracts.js';
import { quotesModule } from './fixtures/modules/quotes/index.js';
import { mosquittoForFile } from './support/broker-per-file.js';
import { startTestHost, testBusKey } from './support/host.js';

const script = fileURLToPath(new URL('./fixtures/quotes-host.js', import.meta.url));
const broker = mosquittoForFile('contract version tests');

/** The process of a split that still runs version 1.0.0 of the quotes contract, on the MQTT bus in `namespace`. */
function startOlderQuotes(t: ExecutionContext, namespace: string): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cleave-quotes-'));
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('CLEAVE_'));
  const child = spawn(process.execPath, [script], {
    env: {
      ...Object.fromEntries(inherited),
      CLEAVE_MODULES: 'quotes',
      CLEAVE_BUS: 'mqtt',
      CLEAVE_MQTT_URL: broker.url,
      CLEAVE_BUS_KEY: testBusKey,
      CLEAVE_BUS_NAMESPACE: namespace,
      CLEAVE_DATA_DIR: dataDir,
      CLEAVE_HTTP_PORT: '0',
      CLEAVE_HTTP_HOST: '127.0.0.1',
      CLEAVE_EDGE: 'off',
      CLEAVE_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/ready \S+/.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the quotes host exited with ${code} before it was ready`)));
  });
}

/** A gateway in this process, built with `contract`, in front of the older quotes host. */
async function gatewayWith(t: ExecutionContext, contract: typeof quotesV1Minor | typeof quotesV2, namespace: string) {
  const gateway = await startTestHost({
    modules: [quotesModule(contract)],
    config: { modules: 'none', 'http.gateway': true, 'bus.transport': 'mqtt', 'bus.mqtt.url': broker.url, 'bus.namespace': namespace },
  });
  t.teardown(() => gateway.stop());
  return gateway;
}

const post = (url: string, body: unknown) =>
  fetch(`${url}/api/quotes/quotes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

if (broker.available) {
  test('when a host runs an older minor version of a contract, then presence shows it and calls within it keep working', async (t) => {
    await startOlderQuotes(t, 'versions-minor');
    const gateway = await gatewayWith(t, quotesV1Minor, 'versions-minor');

    const present = await readPresence(broker.url, 'versions-minor');
    t.deepEqual(present.filter((i) => i.modules.includes('quotes')).map((i) => i.contracts), [{ quotes: '1.0.0' }]);
    const res = await post(gateway.url, { item: 'tea' });
    t.is(res.status, 200, await res.clone().text());
    t.deepEqual(await res.json(), { item: 'tea', price: 42 });
    t.deepEqual(await gateway.host.bus.call('quotes', 'quote', { item: 'cake' }), { item: 'cake', price: 42 });
  });

  test('when a host runs another major version of a contract, then a call is refused with VERSION_MISMATCH naming module and both versions', async (t) => {
    await startOlderQuotes(t, 'versions-major');
    const gateway = await gatewayWith(t, quotesV2, 'versions-major');

    const res = await post(gateway.url, { item: 'tea', currency: 'EUR' });
    t.is(res.status, 502);
    t.is(res.headers.get('content-type'), 'application/problem+json');
    const problem = (await res.json()) as { code: string; detail: string };
    t.is(problem.code, 'VERSION_MISMATCH');
    t.is(problem.detail, 'quotes.quote: the caller was built with the quotes contract 2.0.0, this host serves 1.0.0: deploy builds of the same major version');

    const refused = await t.throwsAsync(gateway.host.bus.call('quotes', 'quote', { item: 'tea', currency: 'USD' }), { instanceOf: CleaveError });
    t.is(refused.code, 'VERSION_MISMATCH');
    t.deepEqual(refused.details, { module: 'quotes', callerVersion: '2.0.0', hostVersion: '1.0.0' });
  });
}
