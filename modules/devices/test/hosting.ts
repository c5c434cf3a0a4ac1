import type { ExecutionContext } from 'ava';
import type { Client } from '../../../src/index.js';
import { eventProbe } from '../../../test/support/event-probe.js';
import { startTestHost, type TestHost } from '../../../test/support/host.js';
import { modules } from '../../index.js';
import { devicesContract } from '../contract.js';
import devices from '../index.js';
import { devicesApi, type DevicesApi } from './http.js';

export type DeviceEventName = keyof typeof devicesContract.events & string;

export interface ReceivedEvent {
  event: DeviceEventName;
  data: { id: string; [key: string]: unknown };
}

/** A consumer module that records every devices event it receives. */
const probe = () => eventProbe<typeof devicesContract, ReceivedEvent['data']>(devicesContract);

export interface DevicesHost {
  test: TestHost;
  api: DevicesApi;
  /** The devices module through the bus, as another module or the edge listener calls it. */
  client: Client<typeof devicesContract>;
  admin: string;
  /** A token of a new user with `role`; users cost slow hashes, so only tests about roles make them. */
  tokenOf(role: 'operator' | 'viewer'): Promise<string>;
  received: ReceivedEvent[];
}

async function userToken(test: TestHost, admin: string, role: 'operator' | 'viewer'): Promise<string> {
  const email = `${role}@example.test`;
  const password = `${role}-password-1`;
  const res = await fetch(`${test.url}/api/identity/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, role }),
  });
  if (res.status !== 201) throw new Error(`creating the ${role} failed: ${res.status} ${await res.text()}`);
  return test.login(email, password);
}

/** A host of identity, devices and the probe, with the admin's token; stopped when the test ends. */
export async function startDevicesHost(t: ExecutionContext): Promise<DevicesHost> {
  const { module, received } = probe();
  const identity = modules.filter((m) => m.contract.name === 'identity');
  const test = await startTestHost({ modules: [...identity, devices, module] });
  t.teardown(() => test.stop());
  const admin = await test.login();
  const client = test.host.bus.client(devicesContract, { principal: { sub: 'test', role: 'system' } });
  const tokenOf = (role: 'operator' | 'viewer') => userToken(test, admin, role);
  return { test, api: devicesApi(test.url), client, admin, tokenOf, received };
}

/** The events of one kind received so far for one device. */
export const eventsOf = (host: DevicesHost, event: DeviceEventName, id: string) =>
  host.received.filter((e) => e.event === event && e.data.id === id);
