import convict from 'convict';
import type { ValueRules } from '../kernel/settings.js';

/** The resolved configuration of a Cleave host, as returned by `loadConfig`. */
export interface CleaveConfig {
  modules: string[];
  bus: {
    transport: 'inproc' | 'mqtt';
    mqtt: { url: string; ca: string; eventBatches: boolean };
    key: string;
    namespace: string;
    instance: string;
    requestTimeoutMs: number;
    retry: { maxAttempts: number; baseDelayMs: number };
    breaker: { failures: number; halfOpenAfterMs: number };
    outbox: { relay: boolean };
    inbox: { dedupeWindowMs: number };
  };
  http: { port: number; host: string; bodyLimit: number; gateway: boolean; trustProxy: string };
  db: { dataDir: string; url: string; poolMax: number };
  edge: {
    broker: 'embedded' | 'external' | 'off';
    port: number;
    tlsPort: number;
    plaintext: boolean;
    host: string;
    url: string;
    ca: string;
    maxPayloadBytes: number;
    maxMessagesPerSecond: number;
    connectTimeoutMs: number;
    connectsPerSecondPerAddress: number;
    batch: { maxMessages: number; lingerMs: number };
  };
  tls: { cert: string; key: string };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  shutdown: { timeoutMs: number };
  /** The token claims every host requires; identity's own keys are its module slice. */
  identity: { issuer: string; audience: string };
  hashing: { concurrency: number; maxWaiting: number };
}

/** One schema entry: convict's fields plus the bounds and patterns our formats read. */
export interface CleaveSchemaItem extends convict.SchemaObj, ValueRules {
  doc: string;
  env: string;
}

const MODULE_NAME = /^[a-z][a-z0-9-]*$/;
const MAX_TIMER_MS = 2_147_483_647;
const MQTT_PROTOCOLS = ['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'];

function fail(message: string): never {
  throw new Error(message);
}

function parseIntString(value: unknown): unknown {
  return typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
}

function parseBoolString(value: unknown): unknown {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  return value;
}

function parseModules(value: unknown): unknown {
  return typeof value === 'string' ? value.split(',').map((name) => name.trim()).filter(Boolean) : value;
}

/** A path of a file, as a module database may be given: anything without a URL scheme (`scheme:`). */
export function isFilePath(value: string): boolean {
  return value !== '' && !/^[A-Za-z][A-Za-z0-9+.-]+:/.test(value) && !value.includes('\0');
}

/** The custom convict formats of the schema. Each `validate` throws an Error whose message says what is allowed. */
export const formats: Record<string, convict.Format> = {
  'cleave-modules': {
    coerce: parseModules,
    validate(value: unknown) {
      const rule = 'must be *, none, or a comma-separated list of module names (lowercase letters, digits, dashes)';
      if (!Array.isArray(value) || value.length === 0) fail(rule);
      if (value.length === 1 && (value[0] === '*' || value[0] === 'none')) return;
      for (const name of value) if (typeof name !== 'string' || !MODULE_NAME.test(name)) fail(rule);
    },
  },
  'cleave-int': {
    coerce: parseIntString,
    validate(value: unknown, item: convict.SchemaObj) {
      const { min = 0, max = Number.MAX_SAFE_INTEGER, rule } = item as CleaveSchemaItem;
      if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
        fail(rule ?? `must be an integer from ${min} to ${max}`);
      }
    },
  },
  'cleave-bool': {
    coerce: parseBoolString,
    validate(value: unknown) {
      if (typeof value !== 'boolean') fail('must be true or false');
    },
  },
  'cleave-string': {
    validate(value: unknown, item: convict.SchemaObj) {
      const { pattern, allowEmpty, rule } = item as CleaveSchemaItem;
      const ok = typeof value === 'string' && (value === '' ? allowEmpty === true : !pattern || pattern.test(value));
      if (!ok) fail(rule ?? (allowEmpty ? 'must be a string' : 'must be a non-empty string'));
    },
  },
  'cleave-db-url': {
    validate(value: unknown) {
      const rule = 'must be empty, a postgres:// URL, sqlite:<path> or a file path';
      if (typeof value !== 'string') fail(rule);
      if (value === '' || isFilePath(value)) return;
      if (/^sqlite:./.test(value)) return;
      if (!URL.canParse(value) || !['postgres:', 'postgresql:'].includes(new URL(value).protocol)) fail(rule);
    },
  },
  'cleave-url': {
    validate(value: unknown, item: convict.SchemaObj) {
      const { protocols, allowEmpty } = item as CleaveSchemaItem;
      const schemes = protocols ? ` (${protocols.map((protocol) => protocol.slice(0, -1)).join(', ')})` : '';
      const rule = `must be ${allowEmpty ? 'empty or ' : ''}a URL${schemes}`;
      if (typeof value !== 'string') fail(rule);
      if (value === '' && allowEmpty) return;
      if (!URL.canParse(value)) fail(rule);
      if (protocols && !protocols.includes(new URL(value).protocol)) fail(rule);
    },
  },
};

for (const [name, format] of Object.entries(formats)) convict.addFormat({ name, ...format });

/** The schema of every configuration key; see `describeKeys` for a flat listing. */
export const schema = {
  modules: {
    doc: 'Modules this host runs: * for all, none (a gateway), or a comma-separated list of names.',
    format: 'cleave-modules', default: ['*'], env: 'CLEAVE_MODULES',
  },
  bus: {
    transport: {
      doc: 'Message bus between modules: inproc (one process) or mqtt (split hosts).',
      format: ['inproc', 'mqtt'], default: 'inproc', env: 'CLEAVE_BUS',
    },
    mqtt: {
      url: {
        doc: 'URL of the MQTT broker used by the mqtt bus; may carry credentials.',
        format: 'cleave-url', protocols: MQTT_PROTOCOLS, default: 'mqtt://127.0.0.1:1883', env: 'CLEAVE_MQTT_URL',
        sensitive: true,
      },
      ca: {
        doc: 'PEM file of a certificate authority trusted, besides the system roots, for an mqtts:// or wss:// bus broker.',
        format: 'cleave-string', allowEmpty: true, default: '', env: 'CLEAVE_MQTT_CA',
      },
      eventBatches: {
        doc: 'Send several events of one type in one MQTT message, sealed and acknowledged once: under load, far fewer messages. Turn it on only once every process of the deployment runs a build that has this setting: an older one drops such messages.',
        format: 'cleave-bool', default: false, env: 'CLEAVE_MQTT_EVENT_BATCHES',
      },
    },
    key: {
      doc: 'Deployment key shared by every process of the mqtt bus: each message is sealed with it (HMAC-SHA256), so reaching the broker is not enough to call, answer or publish; device secrets in credential events are encrypted under a key derived from it. At least 32 characters, e.g. openssl rand -hex 32; required when bus.transport is mqtt.',
      format: 'cleave-string', allowEmpty: true, pattern: /^.{32,}$/s,
      rule: 'must be empty or at least 32 characters', default: '', env: 'CLEAVE_BUS_KEY', sensitive: true,
    },
    namespace: {
      doc: 'Topic namespace isolating one deployment from others on the same broker.',
      format: 'cleave-string', pattern: /^[A-Za-z0-9_-]{1,64}$/,
      rule: 'must be 1 to 64 letters, digits, underscores or dashes', default: 'default', env: 'CLEAVE_BUS_NAMESPACE',
    },
    instance: {
      doc: 'Name of this process on the MQTT bus (client id, reply and presence topics); unique per process. Empty derives it from the host name, the modules and the HTTP port.',
      format: 'cleave-string', allowEmpty: true, pattern: /^[A-Za-z0-9_.-]{1,100}$/,
      rule: 'must be empty or 1 to 100 letters, digits, dots, underscores or dashes', default: '', env: 'CLEAVE_INSTANCE',
    },
    requestTimeoutMs: {
      doc: 'Time a command or query waits for its reply, in milliseconds.',
      format: 'cleave-int', min: 1, max: MAX_TIMER_MS, default: 5000, env: 'CLEAVE_BUS_TIMEOUT_MS',
    },
    retry: {
      maxAttempts: {
        doc: 'Attempts to handle an event before it is set aside as failed.',
        format: 'cleave-int', min: 1, max: 100, default: 5, env: 'CLEAVE_BUS_MAX_ATTEMPTS',
      },
      baseDelayMs: {
        doc: 'First retry delay in milliseconds; later retries back off exponentially.',
        format: 'cleave-int', min: 0, max: MAX_TIMER_MS, default: 200, env: 'CLEAVE_BUS_RETRY_DELAY_MS',
      },
    },
    breaker: {
      failures: {
        doc: 'Consecutive timeouts or UNAVAILABLE answers from a module hosted elsewhere that open its circuit: calls to it then fail at once with UNAVAILABLE and a retry-after. 0 turns circuit breaking off.',
        format: 'cleave-int', min: 0, max: 1000, default: 5, env: 'CLEAVE_BUS_BREAKER_FAILURES',
      },
      halfOpenAfterMs: {
        doc: 'Milliseconds an open circuit refuses calls before it lets one probe call through: success closes it, failure opens it again.',
        format: 'cleave-int', min: 1, max: MAX_TIMER_MS, default: 5000, env: 'CLEAVE_BUS_BREAKER_HALF_OPEN_AFTER_MS',
      },
    },
    outbox: {
      relay: {
        doc: 'Dispatch committed outbox rows; off holds events in the outbox (maintenance).',
        format: 'cleave-bool', default: true, env: 'CLEAVE_OUTBOX_RELAY',
      },
    },
    inbox: {
      dedupeWindowMs: {
        doc: 'Milliseconds an arrived event\'s id is kept at least (at most twice as long) so that a redelivery is ignored. It must outlast the bus broker\'s session expiry (3600 s) plus the longest time a publisher may stay down between publishing an event and recording that it was delivered; a redelivery later than that is handled again.',
        format: 'cleave-int', min: 1000, max: 7 * 24 * 3_600_000, default: 2 * 3_600_000, env: 'CLEAVE_BUS_DEDUPE_WINDOW_MS',
      },
    },
  },
  http: {
    port: {
      doc: 'HTTP port; 0 picks any free port.',
      format: 'cleave-int', min: 0, max: 65535, rule: 'must be a port number (0-65535)', default: 3000,
      env: 'CLEAVE_HTTP_PORT',
    },
    host: {
      doc: 'Address the HTTP server listens on.',
      format: 'cleave-string', default: '0.0.0.0', env: 'CLEAVE_HTTP_HOST',
    },
    bodyLimit: {
      doc: 'Largest accepted request body, in bytes.',
      format: 'cleave-int', min: 1, default: 1_048_576, env: 'CLEAVE_HTTP_BODY_LIMIT',
    },
    gateway: {
      doc: 'Also serve the routes of modules hosted elsewhere, forwarding each request over the bus.',
      format: 'cleave-bool', default: false, env: 'CLEAVE_GATEWAY',
    },
    trustProxy: {
      doc: 'Comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For names the client and whose X-Forwarded-Proto: https marks the dashboard cookie Secure; empty trusts none (the client is the socket address).',
      format: 'cleave-string', allowEmpty: true, pattern: /^[0-9A-Fa-f.:/]+(\s*,\s*[0-9A-Fa-f.:/]+)*$/,
      rule: 'must be empty or a comma-separated list of IP addresses or CIDRs, e.g. 10.0.0.0/8,::1',
      default: '', env: 'CLEAVE_HTTP_TRUST_PROXY',
    },
  },
  db: {
    dataDir: {
      doc: 'Directory of the per-module SQLite files, used when db.url is empty (and a module has no <module>.db.url).',
      format: 'cleave-string', default: './data', env: 'CLEAVE_DATA_DIR',
    },
    url: {
      doc: 'PostgreSQL URL, each module in its own schema; empty uses SQLite files in db.dataDir. A module\'s <module>.db.url, when set, takes its place for that module.',
      format: 'cleave-url', allowEmpty: true, default: '', env: 'CLEAVE_DB_URL', sensitive: true,
    },
    poolMax: {
      doc: 'Most PostgreSQL connections each hosted module holds (one pool per module); a host holds up to this many times its modules. SQLite uses one connection per file.',
      format: 'cleave-int', min: 1, max: 1000, default: 10,
      env: 'CLEAVE_DB_POOL_MAX',
    },
  },
  edge: {
    broker: {
      doc: 'MQTT broker for edge devices: embedded, external (at edge.url) or off.',
      format: ['embedded', 'external', 'off'], default: 'embedded', env: 'CLEAVE_EDGE',
    },
    port: {
      doc: 'Port of the embedded edge broker.',
      format: 'cleave-int', min: 0, max: 65535, rule: 'must be a port number (0-65535)', default: 1883,
      env: 'CLEAVE_EDGE_PORT',
    },
    tlsPort: {
      doc: 'Port of the embedded edge broker\'s MQTT over TLS listener, run when tls.cert and tls.key are set.',
      format: 'cleave-int', min: 0, max: 65535, rule: 'must be a port number (0-65535)', default: 8883,
      env: 'CLEAVE_EDGE_TLS_PORT',
    },
    plaintext: {
      doc: 'Run the embedded edge broker\'s plain-text MQTT listener on edge.port; false leaves devices only TLS and WSS.',
      format: 'cleave-bool', default: true, env: 'CLEAVE_EDGE_PLAINTEXT',
    },
    host: {
      doc: 'Address the embedded edge broker listens on (MQTT over WebSocket is served by HTTP at /mqtt).',
      format: 'cleave-string', default: '0.0.0.0', env: 'CLEAVE_EDGE_HOST',
    },
    maxPayloadBytes: {
      doc: 'Largest device message payload accepted; a larger one is acknowledged and recorded as rejected.',
      format: 'cleave-int', min: 1, max: 268_435_455, default: 65_536, env: 'CLEAVE_EDGE_MAX_PAYLOAD',
    },
    maxMessagesPerSecond: {
      doc: 'Messages one device may publish a second (a batch counts as one); the excess is acknowledged and refused as RATE_LIMITED, recorded at most once a second.',
      format: 'cleave-int', min: 1, max: 1_000_000, default: 100, env: 'CLEAVE_EDGE_MAX_MESSAGES_PER_SECOND',
    },
    connectTimeoutMs: {
      doc: 'Time a device connection has, from accept to a successful CONNECT, before it is closed, in milliseconds.',
      format: 'cleave-int', min: 100, max: 10_000, default: 10_000, env: 'CLEAVE_EDGE_CONNECT_TIMEOUT_MS',
    },
    connectsPerSecondPerAddress: {
      doc: 'Device connections accepted per remote address per second (TCP, TLS and WebSocket); the excess is closed before it is read.',
      format: 'cleave-int', min: 1, max: 1_000_000, default: 20, env: 'CLEAVE_EDGE_CONNECTS_PER_SECOND',
    },
    batch: {
      maxMessages: {
        doc: 'Most device messages committed in one transaction.',
        format: 'cleave-int', min: 1, max: 10_000, default: 1000, env: 'CLEAVE_EDGE_BATCH_MAX',
      },
      lingerMs: {
        doc: 'Longest wait, in milliseconds, for more device messages before a commit.',
        format: 'cleave-int', min: 0, max: 1000, default: 2, env: 'CLEAVE_EDGE_BATCH_LINGER_MS',
      },
    },
    url: {
      doc: 'URL of the external edge broker with its dynamic-security admin, e.g. mqtt://admin:password@broker:1883; required when edge.broker is external. Processes running the device listener provision device credentials there; in a process that knows it (also with edge.broker off), credential events wait in the outbox until a listener has subscribed.',
      format: 'cleave-url', protocols: MQTT_PROTOCOLS, allowEmpty: true, default: '', env: 'CLEAVE_EDGE_URL',
      sensitive: true,
    },
    ca: {
      doc: 'PEM file of a certificate authority trusted, besides the system roots, for an mqtts:// or wss:// edge.url.',
      format: 'cleave-string', allowEmpty: true, default: '', env: 'CLEAVE_EDGE_CA',
    },
  },
  tls: {
    cert: {
      doc: 'PEM file of the server certificate (a full chain may follow it); with tls.key, HTTP serves HTTPS only and the edge broker adds MQTT over TLS. Reloaded when it changes.',
      format: 'cleave-string', allowEmpty: true, default: '', env: 'CLEAVE_TLS_CERT',
    },
    key: {
      doc: 'PEM file of the private key of tls.cert. Reloaded when it changes.',
      format: 'cleave-string', allowEmpty: true, default: '', env: 'CLEAVE_TLS_KEY',
    },
  },
  log: {
    level: {
      doc: 'Lowest log level written.',
      format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', env: 'CLEAVE_LOG_LEVEL',
    },
  },
  shutdown: {
    timeoutMs: {
      doc: 'Time allowed for a graceful stop before the process exits, in milliseconds.',
      format: 'cleave-int', min: 1, max: MAX_TIMER_MS, default: 10_000, env: 'CLEAVE_SHUTDOWN_TIMEOUT_MS',
    },
  },
  // Every host's token verifier reads these, hosting identity or not, so they are the kernel's keys; identity's
  // own keys (the first admin, token lifetime, login limits) are its module slice.
  identity: {
    issuer: {
      doc: 'The iss claim of access tokens: identity signs it, every host requires it.',
      format: 'cleave-string', default: 'cleave', env: 'CLEAVE_IDENTITY_ISSUER',
    },
    audience: {
      doc: 'The aud claim of access tokens: identity signs it, every host requires it.',
      format: 'cleave-string', default: 'cleave', env: 'CLEAVE_IDENTITY_AUDIENCE',
    },
  },
  hashing: {
    concurrency: {
      doc: 'Slow hashes (password scrypt) computed at once; they share libuv\'s 4 threads with file and DNS work.',
      format: 'cleave-int', min: 1, max: 64, default: 2, env: 'CLEAVE_HASH_CONCURRENCY',
    },
    maxWaiting: {
      doc: 'Slow hashes waiting for a turn; one more fails at once with 503 UNAVAILABLE.',
      format: 'cleave-int', min: 0, max: 100_000, default: 64, env: 'CLEAVE_HASH_MAX_WAITING',
    },
  },
} satisfies convict.Schema<CleaveConfig>;

/** Every leaf key of the kernel's schema by dotted path, in declaration order. */
export const schemaItems: ReadonlyMap<string, CleaveSchemaItem> = flattenSchema(schema);

/** Every leaf key of a schema tree by dotted path, in declaration order; a leaf is a node with a `default`. */
export function flattenSchema(node: object, prefix = '', out = new Map<string, CleaveSchemaItem>()) {
  for (const [name, child] of Object.entries(node)) {
    const key = prefix + name;
    if ('default' in child) out.set(key, child as CleaveSchemaItem);
    else flattenSchema(child, `${key}.`, out);
  }
  return out;
}
