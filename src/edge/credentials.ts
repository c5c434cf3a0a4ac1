import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { CleaveError } from '../errors.js';
import { DynsecClient, splitCredentials, type DynsecResponse } from './dynsec.js';
import { deviceTree, errorsKind, topicRoot } from './topics.js';

/** The dynamic-security role of one device. */
export const deviceRole = (deviceId: string) => `device-${deviceId}`;
/** The role Cleave grants the user of `edge.url`: read every device topic, report to devices. */
export const edgeRole = 'cleave-edge';

type Acl = { acltype: string; topic: string; allow: boolean };
const allow = (acltype: string, topic: string): Acl => ({ acltype, topic, allow: true });

/** A device publishes only in its own tree and subscribes only to what Cleave sends it: `errors` and the outbox kinds. */
const deviceAcls = (deviceId: string, outboxKinds: string[]) => [
  allow('publishClientSend', `${deviceTree(deviceId)}#`),
  ...[errorsKind, ...outboxKinds].map((kind) => allow('subscribePattern', `${deviceTree(deviceId)}${kind}`)),
];

/** Cleave's user reads every device topic and sends on `errors` and the outbox kinds. */
const edgeAcls = (outboxKinds: string[]) => [
  allow('subscribePattern', `${topicRoot}/#`),
  allow('publishClientReceive', `${topicRoot}/#`),
  ...[errorsKind, ...outboxKinds].map((kind) => allow('publishClientSend', `${topicRoot}/+/${kind}`)),
];

/**
 * Device credentials kept in Mosquitto by its dynamic-security plugin: per device a client (username and
 * client id = device id, password = secret) holding the role `device-<id>`. `outboxKinds` are the device topic
 * kinds on which modules send to devices (from their `ports.deviceOutbox`), which devices may subscribe to.
 */
export class DynsecCredentials {
  constructor(
    private readonly dynsec: DynsecClient,
    private readonly outboxKinds: string[],
  ) {}

  /** Lets the device connect with this secret (creating it in the broker, or replacing its old secret); idempotent. */
  async set(deviceId: string, secret: string): Promise<void> {
    const rolename = deviceRole(deviceId);
    await this.ensureRole(rolename, deviceAcls(deviceId, this.outboxKinds));
    const [client] = await this.dynsec.run([
      { command: 'createClient', username: deviceId, clientid: deviceId, password: secret, roles: [{ rolename }] },
    ]);
    if (client.error !== 'Client already exists') return this.check(client);
    const [existing] = await this.dynsec.run([{ command: 'getClient', username: deviceId }]);
    if (!this.holds(existing, rolename)) {
      await this.dynsec.run([{ command: 'deleteRole', rolename }]).catch(() => undefined);
      throw new CleaveError('CONFLICT', `the device broker has a user "${deviceId}" that is not a Cleave device; choose another device id`);
    }
    // Mosquitto closes the device's live connections when its password changes.
    const [password] = await this.dynsec.run([{ command: 'setClientPassword', username: deviceId, password: secret }]);
    this.check(password);
  }

  /** Removes the device from the broker, which also closes its live connection; idempotent. */
  async revoke(deviceId: string): Promise<void> {
    // Deleting the client also closes its live connections.
    const [client, role] = await this.dynsec.run([
      { command: 'deleteClient', username: deviceId },
      { command: 'deleteRole', rolename: deviceRole(deviceId) },
    ]);
    this.check(client, 'Client not found');
    this.check(role, 'Role not found');
  }

  /**
   * Makes sure `username` holds the `cleave-edge` role. Granting it makes Mosquitto disconnect that user's
   * connections (this one too, before it answers), so it is done once, when missing, and checked afterwards.
   */
  async grantEdgeRole(username: string): Promise<void> {
    await this.ensureRole(edgeRole, edgeAcls(this.outboxKinds), true);
    const [before] = await this.dynsec.run([{ command: 'getClient', username }]);
    if (this.holds(before, edgeRole)) return;
    await this.dynsec.runAndBeDisconnected([{ command: 'addClientRole', username, rolename: edgeRole }]);
    const [after] = await this.dynsec.run([{ command: 'getClient', username }]);
    if (!this.holds(after, edgeRole)) throw this.dynsec.unavailable(`did not grant the role "${edgeRole}" to "${username}": ${after.error ?? 'no reason given'}`);
  }

  close(): Promise<void> {
    return this.dynsec.close();
  }

  /**
   * Creates the role with its ACLs, or adds to an existing one the ACLs it lacks: a role made before a module
   * declared a new outbox kind gains that kind (ACLs it holds beyond these are left as they are). Mosquitto
   * disconnects the clients of a role whose ACLs change: `heldByMe` says this connection is one of them.
   */
  private async ensureRole(rolename: string, acls: Acl[], heldByMe = false): Promise<void> {
    const [role] = await this.dynsec.run([{ command: 'createRole', rolename, acls }]);
    this.check(role, 'Role already exists');
    if (!role.error) return;
    const missing = await this.missingAcls(rolename, acls);
    if (missing.length === 0) return;
    const commands = missing.map((acl) => ({ command: 'addRoleACL', rolename, ...acl }));
    if (!heldByMe) {
      for (const response of await this.dynsec.run(commands)) this.check(response, 'ACL with this topic already exists');
      return;
    }
    await this.dynsec.runAndBeDisconnected(commands);
    const still = await this.missingAcls(rolename, acls);
    if (still.length) throw this.dynsec.unavailable(`did not add ${still.map((acl) => `${acl.acltype} ${acl.topic}`).join(', ')} to the role "${rolename}"`);
  }

  private async missingAcls(rolename: string, acls: Acl[]): Promise<Acl[]> {
    const [response] = await this.dynsec.run([{ command: 'getRole', rolename }]);
    this.check(response);
    const held = (response.data as { role?: { acls?: Acl[] } } | undefined)?.role?.acls ?? [];
    return acls.filter((acl) => !held.some((h) => h.acltype === acl.acltype && h.topic === acl.topic));
  }

  private holds(response: DynsecResponse, rolename: string): boolean {
    this.check(response);
    const roles = (response.data as { client?: { roles?: Array<{ rolename: string }> } } | undefined)?.client?.roles ?? [];
    return roles.some((role) => role.rolename === rolename);
  }

  /** Throws UNAVAILABLE naming the broker unless the command succeeded or failed only with `tolerated`. */
  private check(response: DynsecResponse, tolerated?: string): void {
    if (response.error && response.error !== tolerated) throw this.dynsec.unavailable(`refused ${response.command}: ${response.error}`);
  }
}

/** A dynamic-security client of the broker at `url`, with a client id of its own; `ca` as for `edge.ca`. */
export function dynsecClient(url: string, options: { instanceId: string; log: Logger; ca?: string[] }): DynsecClient {
  const clientId = `cleave-dynsec-${options.instanceId}-${randomBytes(3).toString('hex')}`;
  return new DynsecClient({ url, clientId, log: options.log, ca: options.ca });
}

/** The user named in a broker URL, who administers dynamic security and runs the ingest. */
export const brokerUser = (url: string) => splitCredentials(url).username;
