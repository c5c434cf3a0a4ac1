import type { Logger } from 'pino';
import type { Envelope } from '../bus/envelope.js';
import type { Transport } from '../bus/transport.js';
import { CleaveError } from '../errors.js';
import type { DeviceSecretIssued } from '../kernel/device-ports.js';
import type { SecretSeal } from '../kernel/secret-seal.js';
import type { CredentialEvents } from './ports.js';

/** What the credential subscriber does to the device broker in use; both idempotent, rejecting when not confirmed. */
export interface BrokerCredentials {
  /** Lets the device log in with `secret` and no other; a connection that logged in before is closed. */
  issued(deviceId: string, secret: () => string): Promise<void>;
  /** Removes the device: its live connection is closed and it cannot log in again. */
  revoked(deviceId: string): Promise<void>;
}

/** Failures that no retry mends, and what the operator does about each. */
const permanent: Record<string, string> = {
  INVALID_ARGUMENT: 'its sealed secret cannot be opened here; rotate the device\'s secret (POST /api/devices/<id>/secret)',
  CONFLICT: 'the broker has a user of that name that is not a Cleave device; decommission the device and register it under another id',
};

export interface CredentialSyncOptions {
  transport: Transport;
  events: CredentialEvents;
  broker: BrokerCredentials;
  seal: SecretSeal;
  log: Logger;
}

/**
 * Guarantee: every event of the modules' `ports.deviceCredentials` that reaches this process is applied to its
 * device broker before it counts as taken; if the broker does not confirm, the intake fails and the bus gives
 * the event again (in-process: the outbox relay retries it; MQTT: it is not acknowledged and comes again), so a
 * device registered while the broker is down gets its credentials once the broker is back. Events are applied
 * one at a time, in the order received. The exceptions are failures no retry mends: a secret that cannot be
 * opened (sealed by a process that has restarted since, on the in-process bus: its secret must be rotated) and a
 * device id that names a broker user that is no device; each is logged as an error naming the device, and
 * skipped.
 */
export function subscribeCredentialSync(options: CredentialSyncOptions): void {
  const { transport, events, broker, seal, log } = options;
  const issue = async (batch: Envelope[]) => {
    for (const { data } of batch) {
      const { id, secret } = data as DeviceSecretIssued;
      await broker.issued(id, () => seal.open(id, secret)).catch((err: unknown) => skipIfPermanent(err, id));
    }
  };
  const skipIfPermanent = (err: unknown, id: string) => {
    if (!(err instanceof CleaveError) || !(err.code in permanent)) throw err;
    log.error({ err, device: id }, `device "${id}" did not get its secret in the device broker and will not: ${permanent[err.code]}`);
  };
  const revoke = async (batch: Envelope[]) => {
    for (const { data } of batch) await broker.revoked((data as { id: string }).id);
  };
  for (const { module, event } of events.issued) transport.subscribe('edge', module, event, issue);
  for (const { module, event } of events.revoked) transport.subscribe('edge', module, event, revoke);
}
