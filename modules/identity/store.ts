/** The module's queries on its own tables, for its handlers. */
export * from './data/keys.js';
export * from './data/users.js';
