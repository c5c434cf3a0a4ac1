/** Reading device payloads: shapes, limits and the reason for each refusal. */
export * from './payloads/device-event.js';
export * from './payloads/fields.js';
export * from './payloads/message.js';
export * from './payloads/refusal.js';
export * from './payloads/telemetry.js';
export * from './payloads/topic.js';
