import test from 'ava';
import { connectDevice, registerDevice } from './support/devices.js';
import { adminEmail, startTestHost } from './support/host.js';

const edge = { 'edge.broker': 'embedded', 'edge.port': 0, 'edge.host': '127.0.0.1' };
// Limits out of the way, so that every login takes its turn at the slow hash.
const unlimited = { 'identity.loginLimits.perAccount': 1000, 'identity.loginLimits.perAddress': 1000 };

const badLogin = (url: string, i: number) =>
  fetch(`${url}/api/identity/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(i % 2 ? { email: `nobody-${i}@example.test`, password: 'a-guess' } : { email: adminEmail, password: `guess-${i}` }),
  }).then((res) => res.status);

test('when 50 bad logins are checked at once, then devices still connect within a second each', async (t) => {
  const host = await startTestHost({ config: { ...edge, ...unlimited } });
  try {
    const devices = [];
    for (let i = 0; i < 5; i++) devices.push(await registerDevice(host));
    let settled = 0;
    const logins = Array.from({ length: 50 }, (_, i) => badLogin(host.url, i).finally(() => settled++));
    await Promise.race(logins); // the first answer: every login has arrived and the hashing is under way

    for (const device of devices) {
      const started = Date.now();
      const client = await connectDevice(host, device, { connectTimeout: 2000 });
      const elapsed = Date.now() - started;
      client.end(true);
      t.true(elapsed < 1000, `CONNACK after ${elapsed} ms`);
    }

    t.true(settled < 50, 'the devices connected while logins were still being checked');
    const statuses = await Promise.all(logins);
    // Refused, or past the request timeout on this busy box: never let in.
    t.true(statuses.every((status) => [401, 503, 504].includes(status)), statuses.join());
  } finally {
    await host.stop();
  }
});
