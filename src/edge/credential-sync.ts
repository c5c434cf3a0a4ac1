import type { Logger } from 'pino';
import type { Envelope } from '../bus/envelope.js';
import type { Transport } from '../bus/transport.js';
import { CleaveError } from '../errors.js';
import type { DeviceSecretIssued } from '../kernel/device-ports.js';
import type { SecretSeal } from '../kernel/secret-seal.js';
import type { CredentialEvents } from './ports.js';

/** What the credential subscriber does to the device broker in use; both idempotent, rejecting when not confirmed. */
export interface BrokerCredentials {
  /** Lets the device log in with `secret` and no other; a live connection that logged in with another is closed. */
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
  seal: SecretSeal;
  log: Logger;
  /** How long an event waits for the device listener to start before its intake fails (default 10 s). */
  startTimeoutMs?: number;
}

/**
 * Guarantee: every event of the modules' `ports.deviceCredentials` that reaches this process is applied to its
 * device broker before it counts as taken; if the broker does not confirm, the intake fails and the bus gives
 * the event again (in-process: the outbox relay retries it; MQTT: it is not acknowledged and comes again), so a
 * device registered while the broker is down gets its credentials once the broker is back. It subscribes before
 * the modules' outboxes relay, so no event passes by unseen; an event that comes before the listener `start`s
 * waits for it. Events are applied one at a time, in the order received. The exceptions are failures no retry
 * mends: a secret that cannot be opened (sealed by a process that has restarted since, on the in-process bus:
 * its secret must be rotated) and a device id that names a broker user that is no device; each is logged as an
 * error naming the device, and skipped.
 */
export class CredentialSync {
  private broker: Promise<BrokerCredentials>;
  private attach!: (broker: BrokerCredentials) => void;

  constructor(private readonly options: CredentialSyncOptions) {
    this.broker = new Promise((resolve) => (this.attach = resolve));
    const { transport, events } = options;
    for (const { module, event } of events.issued) transport.subscribe('edge', module, event, (batch) => this.issue(batch));
    for (const { module, event } of events.revoked) transport.subscribe('edge', module, event, (batch) => this.revoke(batch));
  }

  /** Applies the events to `broker` from now on, those waiting included. */
  start(broker: BrokerCredentials): void {
    this.attach(broker);
  }

  private async issue(batch: Envelope[]): Promise<void> {
    const broker = await this.started();
    for (const { data } of batch) {
      const { id, secret } = data as DeviceSecretIssued;
      try {
        await broker.issued(id, () => this.options.seal.open(id, secret));
      } catch (err) {
        this.skipIfPermanent(err, id);
      }
    }
  }

  private async revoke(batch: Envelope[]): Promise<void> {
    const broker = await this.started();
    for (const { data } of batch) await broker.revoked((data as { id: string }).id);
  }

  private skipIfPermanent(err: unknown, id: string): void {
    if (!(err instanceof CleaveError) || !(err.code in permanent)) throw err;
    this.options.log.error({ err, device: id }, `device "${id}" did not get its secret in the device broker and will not: ${permanent[err.code]}`);
  }

  private started(): Promise<BrokerCredentials> {
    const ms = this.options.startTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CleaveError('UNAVAILABLE', `the device listener of this process did not start within ${ms} ms`)), ms);
      timer.unref();
    });
    return Promise.race([this.broker, late]).finally(() => clearTimeout(timer));
  }
}
