import { plainSchema, type Json } from '../contract/json-schema.js';
import { DeviceErrorReport, listenerRefusals, topicRoot } from '../kernel/device-ports.js';
import { declaredPorts, declaredTopics, type ModuleDefinition } from '../kernel/module.js';
import { errorsKind } from '../edge/topics.js';
import type { AsyncApiPart } from './asyncapi-bus.js';

/**
 * Guarantee: the device part of the AsyncAPI document lists exactly the topic kinds the build's modules declare
 * (`deviceTopics`, `ports.deviceOutbox`) and the listener's own `errors` topic, each with the payload schema its
 * owner describes (`devicePayloads`), seen from Cleave: it receives what devices publish and sends the rest.
 */

const ref = (pointer: string) => ({ $ref: pointer });
const deviceServer = [ref('#/servers/devices')];
const deviceId = { description: 'The device id, also its MQTT client id and username: ^[A-Za-z0-9_-]{1,64}$' };
const qos1 = { mqtt: { qos: 1, bindingVersion: '0.2.0' } };

/** A kind's topic under a device's tree, its `+` levels named as parameters (`level`, `level2`, ...). */
function address(kind: string): { address: string; parameters: Json } {
  const parameters: Json = { deviceId };
  let count = 0;
  const levels = kind.split('/').map((level) => {
    if (level !== '+') return level;
    const name = count++ ? `level${count}` : 'level';
    parameters[name] = { description: `The topic level that "+" of the kind "${kind}" matches` };
    return `{${name}}`;
  });
  return { address: `${topicRoot}/{deviceId}/${levels.join('/')}`, parameters };
}

const channelId = (kind: string) => `device.${kind.replace(/\+/g, 'level').replace(/\//g, '.')}`;

/** One device topic kind: its channel and Cleave's operation on it. */
function kindPart(part: AsyncApiPart, kind: string, payload: Json, action: 'send' | 'receive', summary: string, description: string, owner?: string): void {
  const id = channelId(kind);
  part.channels[id] = { ...address(kind), servers: deviceServer, messages: { [kind.split('/')[0]]: { name: id, contentType: 'application/json', payload } } };
  part.operations[`${id}.${action}`] = {
    action,
    channel: ref(`#/channels/${id}`),
    messages: [ref(`#/channels/${id}/messages/${kind.split('/')[0]}`)],
    summary,
    description,
    bindings: qos1,
    ...(owner ? { tags: [{ name: owner }] } : {}),
  };
}

/** The device API under `v1/devices/<id>/`. */
export function devicePart(definitions: ModuleDefinition[]): AsyncApiPart {
  const part: AsyncApiPart = { channels: {}, operations: {}, schemas: {} };
  for (const definition of definitions) {
    const module = definition.contract.name;
    const payloads = definition.devicePayloads ?? {};
    const payloadOf = (kind: string) => (payloads[kind] ? plainSchema(payloads[kind]) : { description: `Not described by module ${module}` });
    for (const [kind, operation] of Object.entries(declaredTopics(definition))) {
      const description =
        `A device publishes here (QoS 1, no retain) under its own id; ${module}.${operation} takes the message, and the device's PUBACK ` +
        `comes only once it is committed. A refused message is acknowledged too, recorded, and reported on the device's "${errorsKind}" topic.`;
      kindPart(part, kind, payloadOf(kind), 'receive', `${module} takes "${kind}" from devices`, description, module);
    }
    const outbox = declaredPorts(definition).deviceOutbox;
    if (outbox) {
      const description =
        `Cleave sends these (QoS 1) to a device subscribed here: its pending messages, oldest first, when it subscribes, and new ones as ` +
        `${module} publishes ${outbox.ready}; the device's PUBACK marks each delivered (${module}.${outbox.delivered}).`;
      kindPart(part, outbox.kind, payloadOf(outbox.kind), 'send', `${module} sends "${outbox.kind}" to devices`, description, module);
    }
  }
  const codes = `The listener's own codes: ${listenerRefusals.join(', ')}; modules add theirs (e.g. INVALID_PAYLOAD).`;
  kindPart(part, errorsKind, plainSchema(DeviceErrorReport), 'send', 'Cleave reports a refused device message', `A device may subscribe to its own errors topic. ${codes}`);
  return part;
}
