import type { TSchema } from '@sinclair/typebox';
import type { Contract } from '../contract/contract.js';
import { kindProblem, kindsOverlap } from '../edge/topics.js';
import { CleaveError } from '../errors.js';
import { DeviceId, DeviceSecretIssued, portSchemas, type PortName } from '../kernel/device-ports.js';
import { declaredPorts, declaredTopics, type ModuleDefinition } from '../kernel/module.js';

/**
 * The start-up check of the modules' `ports` and `deviceTopics`, over every module of the build (hosted here or
 * not: each contract is known everywhere). Guarantee: when it passes, every declared operation exists, has access
 * `system` and exactly the port's schemas (compared as JSON Schema, `description` aside); every kind is an MQTT
 * filter inside the device tree that no other kind overlaps; no single-valued port is served twice; and every
 * named event is one of its module's, with the port's data schema (`deviceCredentials.issued`) or a device
 * `id` (`deviceCredentials.revoked`). Otherwise it throws the first problem, naming module, port and operation.
 */
export function checkPorts(modules: ModuleDefinition[]): void {
  const kinds: Array<{ module: string; kind: string; what: string }> = [];
  const served = new Map<string, string>();
  for (const definition of modules) {
    const module = definition.contract.name;
    const fail = (what: string, problem: string) => {
      throw new CleaveError('INTERNAL', `module "${module}": ${what} ${problem}`);
    };
    const serves = (what: string, port: PortName, operation: string) => {
      const problem = operationProblem(definition.contract, operation, port);
      if (problem) fail(`${what} names the operation "${operation}", which`, problem);
    };
    const hasEvent = (what: string, event: string) => {
      if (!(event in definition.contract.events)) fail(what, `names the event "${event}", which its contract does not have`);
    };
    const takesKind = (kind: string, what: string) => {
      const problem = kindProblem(kind);
      if (problem) fail(what, `is not a device topic kind: ${problem}`);
      kinds.push({ module, kind, what });
    };

    for (const [kind, operation] of Object.entries(declaredTopics(definition))) {
      serves(`device topic kind "${kind}"`, 'deviceMessages', operation);
      takesKind(kind, `device topic kind "${kind}" (operation "${operation}")`);
    }
    const ports = declaredPorts(definition);
    for (const port of ['jwks', 'deviceAuth', 'devicePresence', 'deviceRejections'] as const) {
      const operation = ports[port];
      if (operation === undefined) continue;
      serves(`port "${port}"`, port, operation);
      const other = served.get(port);
      if (other) fail(`port "${port}" (operation "${operation}")`, `is also served by module "${other}"; one module serves it`);
      served.set(port, module);
    }
    if (ports.deviceCredentials) {
      const { issued, revoked } = ports.deviceCredentials;
      hasEvent('port "deviceCredentials.issued"', issued);
      if (!sameSchema(definition.contract.events[issued], DeviceSecretIssued)) {
        fail('port "deviceCredentials.issued"', `names the event "${issued}", whose data schema is not the port's DeviceSecretIssued`);
      }
      for (const event of revoked) {
        hasEvent('port "deviceCredentials.revoked"', event);
        if (!carriesDeviceId(definition.contract.events[event])) fail('port "deviceCredentials.revoked"', `names the event "${event}", whose data has no device id "id"`);
      }
    }
    if (ports.deviceOutbox) {
      const { kind, pending, delivered, ready } = ports.deviceOutbox;
      serves('port "deviceOutbox.pending"', 'pending', pending);
      takesKind(kind, `port "deviceOutbox" kind "${kind}" (operation "${pending}")`);
      serves('port "deviceOutbox.delivered"', 'delivered', delivered);
      hasEvent('port "deviceOutbox.ready"', ready);
    }
  }
  kinds.forEach((a, i) => {
    for (const b of kinds.slice(i + 1)) {
      if (!kindsOverlap(a.kind, b.kind)) continue;
      throw new CleaveError('INTERNAL', `module "${a.module}": ${a.what} overlaps module "${b.module}": ${b.what}; a device topic goes to one operation`);
    }
  });
}

/** Why `operation` of `contract` cannot serve `port`, or undefined when it can. */
function operationProblem(contract: Contract, operation: string, port: PortName): string | undefined {
  const declared = contract.operations[operation];
  if (!declared) return 'its contract does not have';
  if (declared.access !== 'system') return `has access "${declared.access}"; a port's operation has access "system"`;
  const expected = portSchemas[port];
  if (!sameSchema(declared.input, expected.input)) return `has an input schema other than the port's ${port} input`;
  if (!sameSchema(declared.output, expected.output)) return `has an output schema other than the port's ${port} output`;
  return undefined;
}

/** Whether an event's data has the required field `id`, a device id. */
const carriesDeviceId = (schema: TSchema) => {
  const id = (schema.properties as Record<string, TSchema> | undefined)?.id;
  return id !== undefined && sameSchema(id, DeviceId) && ((schema.required as string[] | undefined) ?? []).includes('id');
};

/** Structural equality of two JSON Schemas, ignoring `description` annotations. */
export const sameSchema = (a: TSchema, b: TSchema) => canonical(a) === canonical(b);

const canonical = (schema: TSchema) => JSON.stringify(normalized(schema, false));

/** Sorted keys and no `description` annotation; inside `properties` every key is a field name, kept. */
function normalized(value: unknown, fieldNames: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => normalized(item, false));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value)
    .filter(([key, child]) => fieldNames || key !== 'description' || typeof child !== 'string')
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([key, child]) => [key, normalized(child, !fieldNames && (key === 'properties' || key === 'patternProperties'))]);
  return Object.fromEntries(entries);
}
