import test from 'ava';
import { registerDevice } from './support/devices.js';
import { asAdmin, createUser, postSignIn, raiseHotAlert, signIn, withDeviceBroker } from './support/dashboard.js';
import { adminEmail, eventually, startTestHost, type TestHost } from './support/host.js';

async function withHost(run: (t: TestHost) => Promise<void>, config: Record<string, unknown> = {}) {
  const host = await startTestHost({ config });
  try {
    await run(host);
  } finally {
    await host.stop();
  }
}

const get = (t: TestHost, path: string, cookie?: string, headers: Record<string, string> = {}) =>
  fetch(`${t.url}${path}`, { redirect: 'manual', headers: { ...(cookie ? { cookie } : {}), ...headers } });

const acknowledge = (t: TestHost, cookie: string, alertId: string, headers: Record<string, string>) =>
  fetch(`${t.url}/dashboard/panels/alerts/alerts/acknowledge`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ id: alertId }).toString(),
  });

// Each test starts a host with its first admin (a slow hash): one at a time, so logins stay within the bus timeout.
test.serial('when /dashboard is asked for without a session, then it redirects to the sign-in page, which has a form', async (t) => {
  await withHost(async (host) => {
    const res = await get(host, '/dashboard');
    t.is(res.status, 302);
    t.is(res.headers.get('location'), '/dashboard/login');
    const login = await get(host, '/dashboard/login');
    t.is(login.status, 200);
    t.regex(login.headers.get('content-type') ?? '', /^text\/html/);
    t.regex(await login.text(), /<form class="login" method="post" action="\/dashboard\/login">/);
    const fragment = await get(host, '/dashboard/panels', undefined, { 'hx-request': 'true' });
    t.is(fragment.status, 401, 'a panel refresh without a session');
    t.is(fragment.headers.get('hx-redirect'), '/dashboard/login');
  });
});

test.serial('when the sign-in form gets a wrong password, then the page says so and starts no session', async (t) => {
  await withHost(async (host) => {
    const res = await postSignIn(host, adminEmail, 'not-the-password');
    t.is(res.status, 401);
    t.deepEqual(res.headers.getSetCookie(), []);
    const body = await res.text();
    t.regex(body, /<p role="alert" id="login-error">Invalid e-mail or password.<\/p>/);
    t.regex(body, new RegExp(`value="${adminEmail}"`), 'the e-mail stays in the form');
  });
});

test.serial('when the admin signs in, then an HttpOnly strict cookie opens the dashboard with the instance, the modules and escaped device names', async (t) => {
  await withHost(async (host) => {
    const res = await postSignIn(host, adminEmail, 'admin-password-1');
    t.is(res.status, 303);
    t.is(res.headers.get('location'), '/dashboard');
    const cookie = res.headers.getSetCookie()[0];
    t.regex(cookie, /^cleave_session=[^;]+; path=\/dashboard; expires=[^;]+; samesite=strict; httponly$/);
    await registerDevice(host, { name: '<script>alert(1)</script>' });
    const page = await get(host, '/dashboard', cookie.split(';')[0]);
    t.is(page.status, 200);
    t.regex(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const body = await page.text();
    t.true(body.includes(`<tr data-instance="${host.host.instanceId}">`));
    for (const module of ['identity', 'devices', 'telemetry', 'alerts']) t.true(body.includes(`<tr data-module="${module}"><th scope="row">${module}</th><td>1</td>`), module);
    t.true(body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    t.false(body.includes('<script>alert(1)'));
    t.true(body.includes('src="/dashboard/assets/htmx.min.js"'));
    const htmx = await get(host, '/dashboard/assets/htmx.min.js');
    t.is(htmx.status, 200);
    t.regex(await htmx.text(), /htmx/);
  });
});

test.serial('when a trusted proxy that ended TLS forwards the sign-in, then the session cookie is Secure, also when cleared; the same header from an untrusted address is ignored', async (t) => {
  const https = { 'x-forwarded-proto': 'https' };
  await withHost(async (host) => {
    const res = await postSignIn(host, adminEmail, 'admin-password-1', https);
    t.is(res.status, 303);
    const cookie = res.headers.getSetCookie()[0];
    t.regex(cookie, /; secure; httponly$/);
    const out = await fetch(`${host.url}/dashboard/logout`, { method: 'POST', headers: { cookie: cookie.split(';')[0], 'hx-request': 'true', ...https } });
    t.is(out.status, 204);
    t.regex(out.headers.getSetCookie()[0], /^cleave_session=; path=\/dashboard; expires=Thu, 01 Jan 1970[^;]*; samesite=strict; secure; httponly$/);
  }, { 'http.trustProxy': '127.0.0.1' });
  await withHost(async (host) => {
    const res = await postSignIn(host, adminEmail, 'admin-password-1', https);
    t.is(res.status, 303);
    t.regex(res.headers.getSetCookie()[0], /; samesite=strict; httponly$/);
  }, { 'http.trustProxy': '10.0.0.1' });
});

test.serial('when the session token is not a valid one or expires, then the page sends the user to sign in again', async (t) => {
  await withHost(async (host) => {
    const page = await get(host, '/dashboard', 'cleave_session=not-a-token');
    t.is(page.status, 302);
    t.is(page.headers.get('location'), '/dashboard/login');
    const fragment = await get(host, '/dashboard/panels/devices/devices', 'cleave_session=not-a-token', { 'hx-request': 'true' });
    t.is(fragment.status, 401);
    t.is(fragment.headers.get('hx-redirect'), '/dashboard/login');

    const cookie = await signIn(host);
    t.is((await get(host, '/dashboard', cookie)).status, 200, 'a fresh session opens the page');
    const expired = await eventually(async () => {
      const res = await get(host, '/dashboard/panels/kernel/instances', cookie, { 'hx-request': 'true' });
      return res.status === 200 ? undefined : res;
    }, 10_000, 'the three-second token to expire');
    t.is(expired.status, 401);
    t.is(expired.headers.get('hx-redirect'), '/dashboard/login');
    t.is((await get(host, '/dashboard', cookie)).headers.get('location'), '/dashboard/login');
  }, { 'identity.tokenTtl': 3 });
});

test.serial('when the user signs out, then the cookie is cleared; a sign-out without the HX-Request header is refused', async (t) => {
  await withHost(async (host) => {
    const cookie = await signIn(host);
    const forged = await fetch(`${host.url}/dashboard/logout`, { method: 'POST', headers: { cookie } });
    t.is(forged.status, 403);
    const res = await fetch(`${host.url}/dashboard/logout`, { method: 'POST', headers: { cookie, 'hx-request': 'true' } });
    t.is(res.status, 204);
    t.is(res.headers.get('hx-redirect'), '/dashboard/login');
    t.regex(res.headers.getSetCookie()[0], /^cleave_session=; path=\/dashboard; expires=Thu, 01 Jan 1970/);
  });
});

test.serial('when a viewer looks at an open alert, then no Acknowledge button shows and the viewer cannot acknowledge it; a forged POST is refused', async (t) => {
  await withHost(async (host) => {
    const alert = await raiseHotAlert(host);
    try {
      const viewer = await signIn(host, 'viewer@example.test', await createUser(host, 'viewer@example.test', 'viewer'));
      const admin = await signIn(host);
      const seen = await (await get(host, '/dashboard/panels/alerts/alerts', viewer, { 'hx-request': 'true' })).text();
      t.true(seen.includes(`<tr data-alert="${alert.alertId}">`), 'the viewer sees the alert');
      t.false(seen.includes('Acknowledge'), 'but no button');
      const adminSees = await (await get(host, '/dashboard/panels/alerts/alerts', admin, { 'hx-request': 'true' })).text();
      t.true(adminSees.includes('>Acknowledge</button>'), 'the admin gets the button');

      t.is((await acknowledge(host, viewer, alert.alertId, { 'hx-request': 'true' })).status, 403, 'a viewer may not acknowledge');
      t.is((await acknowledge(host, admin, alert.alertId, {})).status, 403, 'without HX-Request (a form of another site)');
      t.is((await acknowledge(host, admin, alert.alertId, { 'hx-request': 'true', origin: 'https://evil.example' })).status, 403, 'from another origin');
      const { alerts } = await asAdmin<{ alerts: Array<{ id: string; state: string }> }>(host, 'GET', `/api/alerts?deviceId=${alert.deviceId}`);
      t.is(alerts.find((a) => a.id === alert.alertId)?.state, 'open', 'no refused POST acknowledged it');

      const done = await acknowledge(host, admin, alert.alertId, { 'hx-request': 'true', origin: host.url });
      t.is(done.status, 200);
      t.regex(await done.text(), /<span class="badge acknowledged">acknowledged<\/span><br><small>by admin@example.test<\/small>/);
    } finally {
      alert.close();
    }
  }, withDeviceBroker);
});
