import { inSpan, rootContext, tracingOn } from '../observability/tracing.js';

/**
 * A group of device messages handed to one module operation, as the root span of a trace (CONSUMER,
 * `receive <module>.<operation>`): the call to the module and all that follows from it (its transaction, the
 * events it publishes, their consumers in other processes) belong to that trace. Devices send no trace context.
 */
export function groupTraced<T>(target: string, size: number, hand: () => Promise<T>): Promise<T> {
  if (!tracingOn()) return hand();
  return inSpan(
    `receive ${target}`,
    'CONSUMER',
    (span) => {
      if (span.isRecording()) span.setAttributes({ 'messaging.system': 'mqtt', 'messaging.operation.type': 'receive', 'messaging.batch.message_count': size, 'cleave.target': target });
      return hand();
    },
    rootContext(),
  );
}
