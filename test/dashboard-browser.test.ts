import { mkdirSync } from 'node:fs';
import test from 'ava';
import { chromiumAvailable, launchChromium } from './support/chromium.js';
import { asAdmin, hotRule, withDeviceBroker } from './support/dashboard.js';
import { connectDevice, registerDevice } from './support/devices.js';
import { adminEmail, adminPassword, startTestHost } from './support/host.js';

const artifacts = new URL('../../test-artifacts/', import.meta.url);
const wait = { timeout: 15_000 };

/** The page's own globals the test reads (this project compiles without the DOM's types). */
type SwapCounter = { swaps: number; document: { body: { addEventListener(type: string, listener: () => void): void } } };

test('when the admin signs in to the dashboard, then they see the modules, a device going online, an alert raised and acknowledged', async (t) => {
  if (!chromiumAvailable()) return t.pass('Chromium is not installed');
  const host = await startTestHost({ config: withDeviceBroker });
  t.teardown(() => host.stop());
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const problems: string[] = [];
  page.on('console', (message) => void (message.type() === 'error' && problems.push(`${message.text()} (${message.location().url})`)));
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('request', (request) => void (request.url().startsWith(host.url) || problems.push(`a request elsewhere: ${request.url()}`)));

  const signIn = async () => {
    await page.getByLabel('E-mail').fill(adminEmail);
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${host.url}/dashboard`, wait);
  };
  await page.goto(`${host.url}/dashboard`);
  await signIn();
  for (const module of ['identity', 'devices', 'telemetry', 'alerts']) {
    await page.locator(`#panel-kernel-modules tr[data-module="${module}"]`).waitFor(wait);
  }
  t.pass('the four modules are listed');

  await asAdmin(host, 'POST', '/api/alerts/rules', hotRule);
  await asAdmin(host, 'POST', '/api/alerts/rules', { name: 'too humid', metric: 'humidity', op: 'gt', threshold: 30 });
  await registerDevice(host, { name: 'Cold store', labels: { site: 'north', floor: '-1' } });
  const boiler = await registerDevice(host, { name: 'Boiler room', labels: { site: 'north' } });
  const row = page.locator(`#panel-devices-devices tr[data-device="${boiler.id}"]`);
  await row.locator('.badge.offline').waitFor(wait);
  const device = await connectDevice(host, boiler);
  t.teardown(() => device.end(true));
  await row.locator('.badge.online').waitFor(wait);
  t.pass('the device went online on the page');

  await device.publishAsync(`v1/devices/${boiler.id}/telemetry`, JSON.stringify({ metrics: { temp: 71.5, humidity: 40 } }), { qos: 1 });
  const acknowledge = page.getByRole('button', { name: `Acknowledge ${hotRule.name} on ${boiler.id}` });
  await acknowledge.waitFor(wait);
  t.pass('the alert appeared');

  await row.getByRole('link', { name: 'Boiler room' }).click();
  await page.locator('#panel-telemetry-latest-readings tr[data-metric="temp"]', { hasText: '71.5' }).waitFor(wait);

  // A keyboard user on the button keeps their place while the panels refresh underneath.
  await acknowledge.focus();
  await page.evaluate(() => {
    const browser = globalThis as unknown as SwapCounter;
    browser.swaps = 0;
    browser.document.body.addEventListener('htmx:afterSwap', () => (browser.swaps += 1));
  });
  await page.waitForFunction(() => (globalThis as unknown as SwapCounter).swaps >= 2, undefined, wait);
  t.true(await acknowledge.evaluate((button) => button === button.ownerDocument.activeElement));

  await page.getByRole('button', { name: `Acknowledge ${hotRule.name} on ${boiler.id}` }).click();
  await page.locator('#panel-alerts-alerts tr[data-alert]', { hasText: hotRule.name }).locator('.badge.acknowledged').waitFor(wait);
  t.pass('the alert is acknowledged');

  await page.locator('#panel-kernel-modules td.num', { hasText: /\d/ }).first().waitFor(wait);
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: new URL('dashboard.png', artifacts).pathname, fullPage: true });

  t.deepEqual(problems, [], 'no script error, no blocked style or script, nothing loaded from elsewhere');

  // A session that ends (its cookie gone, as when the token expires) sends the page back to sign-in at the next refresh.
  await page.context().clearCookies();
  await page.waitForURL(`${host.url}/dashboard/login`, wait);
  await signIn();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${host.url}/dashboard/login`, wait);
});
