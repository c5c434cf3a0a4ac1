import { plainSchema, type Json } from '../contract/json-schema.js';
import { errorCodes } from '../errors.js';
import { declaredPorts, type ModuleDefinition } from '../kernel/module.js';
import { summarize } from './summary.js';

/**
 * Guarantee: the bus part of the AsyncAPI document is generated from the contracts and the topic layout of the
 * MQTT transport (`cleave/<namespace>/req|rep|evt/...`), one channel per operation and per event, so it cannot
 * describe an operation or event the build does not have.
 */

/** Channels, operations and component schemas, ready to merge into a document. */
export interface AsyncApiPart {
  channels: Json;
  operations: Json;
  schemas: Json;
}

const ref = (pointer: string) => ({ $ref: pointer });
const busServer = [ref('#/servers/bus')];

/** The fields every bus message carries besides `data` (see `Envelope`), and the seal the transport adds. */
function envelopeSchema(type: string, data: Json, request: boolean): Json {
  const properties: Json = {
    id: { type: 'string', description: 'Unique, time-ordered message id' },
    source: { type: 'string', description: 'The sender: `<module>@<instance>`' },
    type: { type: 'string', const: type },
    time: { type: 'string', format: 'date-time' },
    data,
    correlationid: { type: 'string' },
    causationid: { type: 'string' },
    traceparent: { type: 'string', description: 'W3C trace context' },
    principal: ref('#/components/schemas/Principal'),
    sig: ref('#/components/schemas/Seal'),
  };
  if (request) {
    properties.replyto = { type: 'string', description: "The caller's reply topic, `cleave/<namespace>/rep/<instance>`" };
    properties.deadline = { type: 'integer', description: 'Epoch milliseconds after which nobody waits for the reply' };
  }
  const required = ['id', 'source', 'type', 'time', 'data', 'correlationid', 'sig', ...(request ? ['replyto', 'deadline'] : [])];
  return { type: 'object', required, properties };
}

function replySchema(output: Json): Json {
  const id = { type: 'string', description: 'The id of the request answered' };
  const sig = ref('#/components/schemas/Seal');
  return {
    oneOf: [
      { type: 'object', required: ['id', 'ok', 'data', 'sig'], properties: { id, ok: { const: true }, data: output, sig } },
      { type: 'object', required: ['id', 'ok', 'error', 'sig'], properties: { id, ok: { const: false }, error: ref('#/components/schemas/Error'), sig } },
    ],
  };
}

const schemas: Json = {
  Principal: {
    type: 'object',
    required: ['sub', 'role'],
    properties: { sub: { type: 'string' }, role: { enum: ['viewer', 'operator', 'admin', 'device', 'system'] }, email: { type: 'string' } },
  },
  Seal: { type: 'string', description: 'HMAC-SHA256 (base64url) of the message without this field, under a key derived from bus.key and the namespace' },
  Error: {
    type: 'object',
    required: ['code', 'message'],
    properties: { code: { enum: [...errorCodes] }, message: { type: 'string' }, details: {} },
  },
};

/** The bus of the build under `cleave/<namespace>/`: requests and replies per operation, and events. */
export function busPart(definitions: ModuleDefinition[], namespace: string): AsyncApiPart {
  const prefix = `cleave/${namespace}`;
  const channels: Json = {};
  const operations: Json = {};
  const replies: Json = {};
  for (const { contract } of definitions) {
    const tags = [{ name: contract.name }];
    for (const [name, operation] of Object.entries(contract.operations)) {
      const id = `${contract.name}.${name}`;
      const request = { name: id, title: `${id} request`, contentType: 'application/json', payload: envelopeSchema(id, plainSchema(operation.input), true) };
      channels[`${id}.request`] = { address: `${prefix}/req/${contract.name}/${name}`, servers: busServer, messages: { request } };
      replies[`${id}.reply`] = { name: `${id}.reply`, title: `${id} reply`, contentType: 'application/json', payload: replySchema(plainSchema(operation.output)) };
      operations[id] = {
        action: 'receive',
        channel: ref(`#/channels/${id}.request`),
        messages: [ref(`#/channels/${id}.request/messages/request`)],
        summary: operation.summary ?? `${contract.name} serves ${name}`,
        description: `A ${operation.kind} served by ${contract.name} (one replica of each hosting group takes it); access: ${operation.access}.`,
        tags,
        reply: { channel: ref('#/channels/replies'), messages: [ref(`#/channels/replies/messages/${id}.reply`)] },
      };
    }
  }
  channels.replies = {
    address: `${prefix}/rep/{instance}`,
    servers: busServer,
    parameters: { instance: { description: 'The calling process (`bus.instance`): each process reads its own replies' } },
    messages: replies,
  };
  for (const summary of summarize(definitions)) {
    const contract = definitions.find((d) => d.contract.name === summary.name)!.contract;
    for (const event of summary.events) {
      const id = `${summary.name}.${event.name}`;
      const payload = envelopeSchema(id, plainSchema(contract.events[event.name]), false);
      channels[id] = { address: `${prefix}/evt/${summary.name}/${event.name}`, servers: busServer, messages: { event: { name: id, contentType: 'application/json', payload } } };
      const message = [ref(`#/channels/${id}/messages/event`)];
      operations[`${id}.publish`] = { action: 'send', channel: ref(`#/channels/${id}`), messages: message, summary: `${summary.name} publishes ${event.name} through its outbox`, tags: [{ name: summary.name }] };
      for (const consumer of event.consumedBy) {
        operations[`${consumer}.on.${id}`] = { action: 'receive', channel: ref(`#/channels/${id}`), messages: message, summary: `${consumer} consumes ${id} in its inbox`, tags: [{ name: consumer }] };
      }
      const kernel = kernelUse(definitions.find((d) => d.contract.name === summary.name)!, event.name);
      if (kernel) operations[`kernel.on.${id}`] = { action: 'receive', channel: ref(`#/channels/${id}`), messages: message, summary: kernel };
    }
  }
  return { channels, operations, schemas };
}

/** What the kernel does with an event a module's ports name: the device listener consumes those, unshared. */
function kernelUse(definition: ModuleDefinition, event: string): string | undefined {
  const ports = declaredPorts(definition);
  if (ports.deviceCredentials?.issued === event) return 'The device listener gives the device this secret in the device broker';
  if (ports.deviceCredentials?.revoked.includes(event)) return 'The device listener removes the device from the device broker';
  if (ports.deviceOutbox?.ready === event) return "The device listener sends the device's pending messages";
  return undefined;
}
