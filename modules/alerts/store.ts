/** The module's queries on its own tables, for its handlers. */
export * from './data/alerts.js';
export * from './data/rules.js';
