/**
 * The public entry of the Cleave kernel: the only kernel file a module may import.
 * @module cleave
 */
export { Type, type Static, type TSchema } from '@sinclair/typebox';
export type { Knex } from 'knex';
export type { Logger } from 'pino';
export {
  defineContract,
  command,
  query,
  type Contract,
  type Operation,
  type OperationSpec,
  type Access,
  type Client,
  type CallOptions,
  type InputOf,
  type OutputOf,
  type EventOf,
} from './contract/contract.js';
export {
  defineModule,
  on,
  uses,
  type Uses,
  roles,
  type Role,
  type ModuleDefinition,
  type KernelDeps,
  type CallContext,
  type Tx,
  type StoreFactory,
  type Stores,
  type BoundStores,
  type Registrations,
  type Route,
  type RouteRequest,
  type OperationHandler,
  type EventHandler,
  type Ports,
  type ServingPort,
  type ModuleDeps,
} from './kernel/module.js';
/** The dashboard: panels a module renders, as HTML escaped by default. */
export type { Panel, PanelView, PanelAction, DashboardDeclaration } from './kernel/panels.js';
export { html, trustedHtml, timestamp, Html } from './kernel/html.js';
export type { ModuleMetrics, ModuleCounter } from './kernel/module-metrics.js';
export { setting, type Setting, type Settings, type ConfigOf } from './kernel/settings.js';
export type { Principal, Envelope } from './bus/envelope.js';
export {
  CleaveError,
  notFound,
  conflict,
  invalid,
  unauthenticated,
  forbidden,
  isDataError,
  type ErrorCode,
} from './errors.js';
/** Multi-row inserts on either store, with SQLite's fast path (cached single-row statements). */
export { insertRows, type FlatValues } from './db/insert-rows.js';
/** Token settings shared by the module that issues tokens and the kernel that verifies them. */
export { tokenFormat, type TokenClaims } from './kernel/tokens.js';
/** The device ports: schemas of what the device listener asks of modules and offers them. */
export * as devicePorts from './kernel/device-ports.js';
/** Device secrets sealed for the kernel's credential subscriber (`KernelDeps.sealSecret`). */
export type { SealSecret, SealedSecret } from './kernel/secret-seal.js';
/** Salted scrypt hashing for passwords, through a bounded queue. */
export { slowHash, HashQueue, type SlowHash, type HashQueueOptions } from './kernel/slow-hash.js';
/** Expiring id sets: deduplication ids kept one to two windows, in two generations of a table. */
export { expiringIds, createExpiringIds, dropExpiringIds, type ExpiringIds, type ExpiringIdsSpec } from './db/expiring-ids.js';
/** Hot reads a store builds once with knex: a prepared statement on SQLite, the same knex query elsewhere. */
export { preparedRead, type PreparedRead } from './db/prepared-read.js';
