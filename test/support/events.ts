import { envelope } from '../../src/bus/envelope.js';
import type { TestHost } from './host.js';

/**
 * Delivers an event as if `module` had published it, straight into the subscribed consumers' inboxes.
 * Returns the event id (deliver it again with the same id to test deduplication).
 */
export async function injectEvent(t: TestHost, module: string, event: string, data: unknown, id?: string): Promise<string> {
  const message = envelope(`${module}@test`, `${module}.${event}`, data);
  if (id) message.id = id;
  await t.host.bus.transport.publish(module, event, [JSON.stringify(message)]);
  return message.id;
}
