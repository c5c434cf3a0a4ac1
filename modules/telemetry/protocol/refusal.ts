/** The codes telemetry refuses a device message with; the listener has its own (see `devicePorts.listenerRefusals`). */
export type RefusalCode = 'MALFORMED_JSON' | 'INVALID_PAYLOAD' | 'TOO_MANY_ITEMS' | 'UNSUPPORTED_TOPIC';

/** Why one device message is not stored; thrown while reading a payload (a plain object: no stack to capture). */
export class Refusal {
  constructor(
    readonly code: RefusalCode,
    readonly reason: string,
    /** The message id, when it could be read. */
    readonly id?: string,
  ) {}
}

export function refuse(code: RefusalCode, reason: string, id?: string): never {
  throw new Refusal(code, reason, id);
}
