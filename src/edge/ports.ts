import { CleaveError } from '../errors.js';
import { declaredPorts, declaredTopics, type ModuleDefinition } from '../kernel/module.js';
import type { OutboxRoute } from './delivery.js';

/** One operation of one module, as the listener calls it through the bus. */
export interface Target {
  module: string;
  operation: string;
}

/** A device topic kind declared by a module, and the operation behind it. */
export interface TopicRoute extends Target {
  kind: string;
  /** The kind's levels, split once. */
  levels: string[];
}

/**
 * What the device listener needs from the build, read from the modules' `ports` and `deviceTopics` (never from
 * their names). The host checked these declarations at start-up (`src/host/ports-check.ts`).
 */
export interface ListenerPorts {
  deviceAuth: Target;
  devicePresence: Target;
  deviceRejections: Target;
  topics: TopicRoute[];
  /** The events of the modules' `ports.deviceCredentials`, applied to the broker by the credential subscriber. */
  credentials: CredentialEvents;
  /** The kinds on which modules send messages to devices: devices may subscribe there. */
  outboxKinds: string[];
  /** The modules' outboxes to devices. */
  outboxes: OutboxRoute[];
}

/** One event of one module. */
export interface ModuleEvent {
  module: string;
  event: string;
}

/** The events that set (`issued`) or remove (`revoked`) a device's credentials in the device broker. */
export interface CredentialEvents {
  issued: ModuleEvent[];
  revoked: ModuleEvent[];
}

type SingleValuedPort = 'deviceAuth' | 'devicePresence' | 'deviceRejections';
const needed: SingleValuedPort[] = ['deviceAuth', 'devicePresence', 'deviceRejections'];

/** The kinds of the build's device outboxes; known to every process, hosted or not. */
export const outboxKindsOf = (modules: ModuleDefinition[]) =>
  modules.flatMap((m) => declaredPorts(m).deviceOutbox?.kind ?? []);

/** The credential events of the build's modules (`ports.deviceCredentials`). */
export function credentialEventsOf(modules: ModuleDefinition[]): CredentialEvents {
  const declared = modules.flatMap((m) => {
    const port = declaredPorts(m).deviceCredentials;
    return port ? [{ module: m.contract.name, ...port }] : [];
  });
  return {
    issued: declared.map(({ module, issued }) => ({ module, event: issued })),
    revoked: declared.flatMap(({ module, revoked }) => revoked.map((event) => ({ module, event }))),
  };
}

/** The listener's ports in the build; UNAVAILABLE naming the port when no module serves one it needs. */
export function listenerPortsOf(modules: ModuleDefinition[]): ListenerPorts {
  const serving = (port: SingleValuedPort): Target => {
    const found = modules.find((m) => declaredPorts(m)[port]);
    if (!found) throw new CleaveError('UNAVAILABLE', `the device listener needs a module serving the port "${port}"; none in this build (use --edge off)`);
    return { module: found.contract.name, operation: declaredPorts(found)[port]! };
  };
  const [deviceAuth, devicePresence, deviceRejections] = needed.map(serving);
  return {
    deviceAuth,
    devicePresence,
    deviceRejections,
    topics: modules.flatMap((m) =>
      Object.entries(declaredTopics(m)).map(([kind, operation]) => ({ kind, levels: kind.split('/'), module: m.contract.name, operation })),
    ),
    credentials: credentialEventsOf(modules),
    outboxKinds: outboxKindsOf(modules),
    outboxes: modules.flatMap((m) => {
      const outbox = declaredPorts(m).deviceOutbox;
      return outbox ? [{ module: m.contract.name, ...outbox }] : [];
    }),
  };
}

/** The modules the listener calls: on the in-process bus, all of them must be hosted where it runs. */
export function modulesCalled(ports: ListenerPorts): string[] {
  const targets = [ports.deviceAuth, ports.devicePresence, ports.deviceRejections, ...ports.topics];
  return [...new Set(targets.map((target) => target.module))];
}
