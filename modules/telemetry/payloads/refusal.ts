import type { edge } from '../../../src/index.js';

/** Why one device message is not stored; thrown while reading a payload (a plain object: no stack to capture). */
export class Refusal {
  constructor(
    readonly code: edge.RejectionCode,
    readonly reason: string,
    /** The message id, when it could be read. */
    readonly id?: string,
  ) {}
}

export function refuse(code: edge.RejectionCode, reason: string, id?: string): never {
  throw new Refusal(code, reason, id);
}
