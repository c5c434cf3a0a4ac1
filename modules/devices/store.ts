/** The module's queries on its own tables, for its handlers. */
export * from './data/devices.js';
