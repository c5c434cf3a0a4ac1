import fs from 'node:fs';
import path from 'node:path';
import convict from 'convict';
import { buildSchema, type ConfigModule } from './modules.js';
import { formats, isFilePath, type CleaveConfig, type CleaveSchemaItem } from './schema.js';

/** A configuration problem that stops start-up; `message` is one line naming the key, the value and the rule. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Where `loadConfig` reads from; every field is optional. */
export interface LoadConfigOptions {
  /** A further JSON file (the `--config` flag), relative to `cwd`; it must exist. */
  configFile?: string;
  /** Values by dotted key (`http.port`), applied last; `undefined` values are skipped. */
  overrides?: Record<string, unknown>;
  /** Environment to read `CLEAVE_*` and `NODE_ENV` from; defaults to `process.env`, which is never changed. */
  env?: NodeJS.ProcessEnv;
  /** Directory holding `config/`; defaults to `process.cwd()`. */
  cwd?: string;
  /** The build's modules: their slices and `<module>.db.url` join the kernel's keys. Default none. */
  modules?: readonly ConfigModule[];
}

type Items = ReadonlyMap<string, CleaveSchemaItem>;

/** One documented configuration key, for help texts and the README. */
export interface ConfigKeyDescription {
  key: string;
  env: string;
  default: unknown;
  doc: string;
}

interface Source {
  label: string;
  raw: unknown;
}

const REDACTED = '[redacted]';

/**
 * Resolves the configuration. Later sources win: schema defaults, `config/default.json`,
 * `config/<NODE_ENV>.json`, `configFile`, environment variables, `overrides`.
 * @throws {ConfigError} on an unreadable file, an unknown key or a bad value.
 */
export function loadConfig(options: LoadConfigOptions = {}): CleaveConfig {
  const env = options.env ?? process.env;
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const { tree, items } = schemaOf(options.modules);
  const config = convict<CleaveConfig>(tree, { env, args: [] });
  const sources = new Map<string, Source>();

  for (const file of configFiles(cwd, env.NODE_ENV, options.configFile)) {
    const name = displayPath(cwd, file);
    const label = `in ${name}`;
    for (const [key, value] of readConfigFile(file, name, items)) {
      config.set(key, value);
      sources.set(key, { label, raw: value });
    }
  }
  config.load({}); // re-applies the environment over the file values

  for (const [key, item] of items) {
    const raw = env[item.env];
    if (raw !== undefined) sources.set(key, { label: `from ${item.env}`, raw });
  }
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    if (!items.has(key)) throw new ConfigError(unknownKey(items, key, 'in overrides'));
    config.set(key, value);
    sources.set(key, { label: 'from overrides', raw: value });
  }

  const problems = [...renamedVariables(items, env), ...findProblems(items, config.getProperties(), sources)];
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  try {
    config.validate({ allowed: 'strict' });
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${oneLine(error)}`);
  }
  return config.getProperties();
}

/**
 * Returns a deep copy of `config` where every non-empty sensitive value is `"[redacted]"`;
 * URLs keep their scheme, host and path, and the user when a password follows it
 * (`postgres://user:[redacted]@host/db`).
 */
export function redact(config: CleaveConfig, modules?: readonly ConfigModule[]): CleaveConfig {
  const copy = structuredClone(config);
  for (const [key, item] of schemaOf(modules).items) {
    if (!item.sensitive) continue;
    const split = key.lastIndexOf('.');
    const parent = (split < 0 ? copy : valueAt(copy, key.slice(0, split))) as Record<string, unknown> | undefined;
    if (!parent) continue;
    const leaf = key.slice(split + 1);
    const value = parent[leaf];
    if (typeof value === 'string' && item.format === 'cleave-db-url' && (isFilePath(value) || value.startsWith('sqlite:'))) continue; // a path holds no secret
    if (typeof value === 'string' && value !== '') parent[leaf] = redactValue(value);
  }
  return copy;
}

/** Lists every configuration key (the kernel's, then each module's) with its environment variable, default and documentation. */
export function describeKeys(modules?: readonly ConfigModule[]): ConfigKeyDescription[] {
  return [...schemaOf(modules).items].map(([key, item]) => ({
    key,
    env: item.env,
    default: structuredClone(item.default),
    doc: item.doc,
  }));
}

function schemaOf(modules: readonly ConfigModule[] | undefined) {
  try {
    return buildSchema(modules);
  } catch (error) {
    throw new ConfigError(oneLine(error));
  }
}

function configFiles(cwd: string, nodeEnv: string | undefined, configFile: string | undefined): string[] {
  const dir = path.join(cwd, 'config');
  const candidates = [path.join(dir, 'default.json')];
  if (nodeEnv) {
    if (!/^[A-Za-z0-9_.-]+$/.test(nodeEnv) || nodeEnv.includes('..')) {
      const rule = 'must be a name of letters, digits, dots, dashes or underscores';
      throw new ConfigError(`NODE_ENV has the bad value ${show(nodeEnv)}: ${rule}`);
    }
    candidates.push(path.join(dir, `${nodeEnv}.json`));
  }
  const files = [...new Set(candidates)].filter((file) => fs.existsSync(file));
  if (configFile !== undefined) {
    const file = path.resolve(cwd, configFile);
    if (!fs.existsSync(file)) throw new ConfigError(`config file ${show(configFile)} does not exist`);
    files.push(file);
  }
  return files;
}

function readConfigFile(file: string, name: string, items: Items): Map<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${name}: ${oneLine(error)}`);
  }
  if (text.trim() === '') return new Map();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const reason = oneLine(error).replace(/, ".*" is not valid JSON$/, '');
    throw new ConfigError(`config file ${name} is not valid JSON: ${reason}`);
  }
  if (!isPlainObject(data)) throw new ConfigError(`config file ${name} must hold a JSON object`);
  return flattenFile(items, data, `in ${name}`, '', new Map());
}

function flattenFile(items: Items, node: Record<string, unknown>, label: string, prefix: string, out: Map<string, unknown>) {
  for (const [name, value] of Object.entries(node)) {
    const key = prefix + name;
    if (items.has(key)) {
      out.set(key, value);
    } else if (childrenOf(items, key).length === 0) {
      throw new ConfigError(unknownKey(items, key, label));
    } else if (isPlainObject(value)) {
      flattenFile(items, value, label, `${key}.`, out);
    } else {
      const rule = `must be an object with the keys ${childrenOf(items, key).join(', ')}`;
      throw new ConfigError(`config key "${key}" has the bad value ${show(value)} ${label}: ${rule}`);
    }
  }
  return out;
}

function renamedVariables(items: Items, env: NodeJS.ProcessEnv): string[] {
  return [...items]
    .filter(([, item]) => item.formerEnv !== undefined && env[item.formerEnv] !== undefined)
    .map(([key, item]) => `the variable ${item.formerEnv} is now ${item.env} (config key "${key}"): rename it`);
}

function findProblems(items: Items, values: CleaveConfig, sources: Map<string, Source>): string[] {
  const problems: string[] = [];
  for (const [key, item] of items) {
    const value = valueAt(values, key);
    const rule = checkValue(item, value);
    if (rule === undefined) continue;
    const source = sources.get(key);
    const raw = source ? source.raw : value;
    const shown = item.sensitive ? 'a bad value (hidden, sensitive)' : `the bad value ${show(raw)}`;
    problems.push(`config key "${key}" has ${shown}${source ? ` ${source.label}` : ''}: ${rule}`);
  }
  if (values.bus?.transport === 'mqtt' && values.bus.key === '') {
    problems.push('config key "bus.key" is empty: must be set when bus.transport is "mqtt" (CLEAVE_BUS_KEY: at least 32 characters, the same in every process of the deployment, e.g. openssl rand -hex 32)');
  }
  if (values.edge?.broker === 'external' && values.edge.url === '') {
    problems.push('config key "edge.url" is empty: must be set when edge.broker is "external"');
  } else if (values.edge?.broker === 'external' && !/^[a-z]+:\/\/[^/@:]+:[^/@]+@/i.test(values.edge.url)) {
    problems.push('config key "edge.url" has no user and password: name the broker\'s dynamic-security admin, e.g. mqtt://admin:password@broker:1883');
  }
  problems.push(...tlsProblems(values));
  return problems;
}

function tlsProblems(values: CleaveConfig): string[] {
  const { cert, key } = values.tls ?? { cert: '', key: '' };
  if (!cert !== !key) {
    const [set, unset] = cert ? ['tls.cert', 'tls.key'] : ['tls.key', 'tls.cert'];
    return [`config keys "tls.cert" and "tls.key" go together: ${set} is set but ${unset} is empty`];
  }
  if (!cert && values.edge?.plaintext === false && values.edge.broker === 'embedded') {
    return ['config key "edge.plaintext" is false but tls.cert and tls.key are not set: devices would have no listener (set both, or leave edge.plaintext true)'];
  }
  return [];
}

function checkValue(item: CleaveSchemaItem, value: unknown): string | undefined {
  if (Array.isArray(item.format)) {
    return item.format.includes(value) ? undefined : `must be one of ${item.format.join(', ')}`;
  }
  try {
    formats[item.format as string].validate?.(value, item);
    return undefined;
  } catch (error) {
    return oneLine(error);
  }
}

function unknownKey(items: Items, key: string, label: string): string {
  const group = key.includes('.') ? key.slice(0, key.lastIndexOf('.')) : '';
  const known = childrenOf(items, group);
  const hint = known.length > 0 ? ` (known keys${group ? ` under ${group}` : ''}: ${known.join(', ')})` : '';
  return `unknown config key "${key}" ${label}${hint}`;
}

function childrenOf(items: Items, group: string): string[] {
  const prefix = group === '' ? '' : `${group}.`;
  const names = [...items.keys()].filter((key) => key.startsWith(prefix));
  return [...new Set(names.map((key) => key.slice(prefix.length).split('.')[0]))];
}

function valueAt(root: unknown, key: string): unknown {
  return key.split('.').reduce((node, part) => (node as Record<string, unknown> | undefined)?.[part], root);
}

function redactValue(value: string): string {
  if (!URL.canParse(value)) return REDACTED;
  const url = new URL(value);
  if (url.host === '') return REDACTED;
  const user = url.password ? `${url.username}:${REDACTED}@` : url.username ? `${REDACTED}@` : '';
  const query = url.search ? `?${REDACTED}` : '';
  const hash = url.hash ? `#${REDACTED}` : '';
  return `${url.protocol}//${user}${url.host}${url.pathname}${query}${hash}`;
}

function displayPath(cwd: string, file: string): string {
  const relative = path.relative(cwd, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative.split(path.sep).join('/');
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, '; ');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
