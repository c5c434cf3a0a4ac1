/** The module's queries on its own tables, for its handlers. */
export * from './data/aggregates.js';
export * from './data/device-events.js';
export * from './data/known-devices.js';
export * from './data/readings.js';
export * from './data/rejections.js';
export * from './data/seen-messages.js';
export * from './data/sql.js';
