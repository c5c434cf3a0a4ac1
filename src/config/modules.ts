import type convict from 'convict';
import { isSetting, type Setting, type Settings } from '../kernel/settings.js';
import { flattenSchema, schema as kernelSchema, type CleaveConfig, type CleaveSchemaItem } from './schema.js';

/** What the configuration needs of a module: its name and the slice it declares (`defineModule({ config })`). */
export interface ConfigModule {
  contract: { name: string };
  config?: Settings;
}

/** The schema of one build: the kernel's keys and, under each module's name, the module's slice and `db.url`. */
export interface BuildSchema {
  /** The convict schema tree. */
  tree: convict.Schema<CleaveConfig>;
  /** Every leaf key by dotted path, kernel keys first, then each module's in build order. */
  items: ReadonlyMap<string, CleaveSchemaItem>;
}

/**
 * The environment variable of a key: `CLEAVE_` and its path in upper snake case,
 * e.g. `identity.loginLimits.perAccount` is `CLEAVE_IDENTITY_LOGIN_LIMITS_PER_ACCOUNT`.
 */
export function envOf(key: string): string {
  const snake = key
    .split('.')
    .map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_'))
    .join('_');
  return `CLEAVE_${snake.toUpperCase()}`;
}

/** The key of a module's own database, which every module of the build has. */
export const databaseKeyOf = (module: string) => `${module}.db.url`;

function databaseSetting(module: string): Setting<string> {
  return {
    doc: `Database of module ${module}: a postgres:// URL (the module's schema there), or sqlite:<path> or a file path (its own SQLite file); empty uses db.url, or db.dataDir.`,
    format: 'cleave-db-url',
    default: '',
    sensitive: true,
  };
}

/**
 * Merges every module's slice, and its `db.url`, into the kernel's schema.
 * @throws {Error} when a module declares a key the kernel or another module already declares.
 */
export function buildSchema(modules: readonly ConfigModule[] = []): BuildSchema {
  const tree = { ...kernelSchema } as Record<string, unknown>;
  for (const module of modules) {
    const name = module.contract.name;
    if (module.config && 'db' in module.config) {
      throw new Error(`module "${name}" declares the config key "${name}.db", which is the kernel's (${databaseKeyOf(name)})`);
    }
    const slice: Settings = { ...module.config, db: { url: databaseSetting(name) } };
    tree[name] = mergeSlice(tree[name], slice, name);
  }
  const items = flattenSchema(tree);
  const variables = new Map<string, string>();
  for (const [key, item] of items) {
    const other = variables.get(item.env);
    if (other) throw new Error(`config keys "${other}" and "${key}" would share the variable ${item.env}`);
    variables.set(item.env, key);
  }
  return { tree: tree as convict.Schema<CleaveConfig>, items };
}

function mergeSlice(existing: unknown, slice: Settings, prefix: string): Record<string, unknown> {
  if (existing !== undefined && (typeof existing !== 'object' || 'default' in (existing as object))) {
    throw new Error(`module config key "${prefix}" is already a kernel config key`);
  }
  const merged = { ...(existing as Record<string, unknown> | undefined) };
  for (const [name, node] of Object.entries(slice)) {
    const key = `${prefix}.${name}`;
    if (isSetting(node)) {
      if (name === 'default' || merged[name] !== undefined) throw new Error(`module config key "${key}" is declared twice`);
      merged[name] = { ...node, env: envOf(key) } satisfies CleaveSchemaItem;
    } else {
      merged[name] = mergeSlice(merged[name], node, key);
    }
  }
  return merged;
}

/** A module's slice of a resolved configuration: the values under its name, without the kernel's `db`. */
export function sliceOf(config: CleaveConfig, module: string): Record<string, unknown> {
  const { db: _db, ...slice } = ((config as unknown as Record<string, unknown>)[module] ?? {}) as Record<string, unknown>;
  return slice;
}

/**
 * A module's own database setting (`<module>.db.url`): `''` when it uses the shared one, `undefined` when the
 * configuration was loaded without that module.
 */
export function databaseUrlOf(config: CleaveConfig, module: string): string | undefined {
  const slice = (config as unknown as Record<string, { db?: { url?: string } } | undefined>)[module];
  return slice?.db?.url;
}
