/** Turning a group of device messages into rows and events. */
export * from './ingestion/group.js';
export * from './ingestion/recorded.js';
