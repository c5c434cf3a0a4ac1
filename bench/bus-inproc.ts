import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config/load.js';
import { Host } from '../src/host/host.js';
import { ping, pingContract, sink, sinkContract } from './fixtures/ping.js';
import { eachRepeat } from './repeat.js';
import { rate, type Row } from './table.js';

const input = { n: 1, text: 'hello world', tags: ['a', 'b', 'c'] };

/** In-process bus: request/reply and durable events, against a plain function call and raw better-sqlite3. */
export async function benchBusInproc(): Promise<Row[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cleave-bench-'));
  const config = loadConfig({ modules: [ping, sink], cwd: dataDir, env: {}, overrides: { 'db.dataDir': dataDir, 'http.port': 0, 'log.level': 'silent', 'edge.broker': 'off' } });
  const host = await Host.start({ config, modules: [ping, sink] });
  try {
    const handler = async (value: typeof input) => value;
    const client = host.bus.client(pingContract);
    const samples = await eachRepeat('bus-inproc', async (r) => {
      r.add('plain', await rate(async (n) => {
        for (let i = 0; i < n; i++) await handler(input);
      }, 10_000));
      r.add('sequential', await rate(async (n) => {
        for (let i = 0; i < n; i++) await client.ping(input);
      }, 10_000));
      r.add('parallel', await rate(async (n) => {
        const all = [];
        for (let i = 0; i < n; i++) all.push(client.ping(input));
        await Promise.all(all);
      }, 64));
      r.add('raw sqlite', rawInsertsPerSecond(join(dataDir, `raw-${r.count('raw sqlite')}.sqlite`)));
      r.add('events', await durableEvents(host));
    });
    const bench = 'bus-inproc';
    return [
      { bench, case: 'plain async call (baseline)', values: samples.get('plain'), unit: 'req/s' },
      { bench, case: 'request/reply, validated + copied, sequential', values: samples.get('sequential'), unit: 'req/s', baseline: samples.get('plain'), target: { atLeast: 250_000 } },
      { bench, case: 'request/reply, 64 in flight', values: samples.get('parallel'), unit: 'req/s', baseline: samples.get('plain'), target: { atLeast: 250_000 } },
      { bench, case: 'raw better-sqlite3, 1 row per txn (baseline)', values: samples.get('raw sqlite'), unit: 'rows/s' },
      { bench, case: 'durable events: outbox -> inbox -> handler', values: samples.get('events'), unit: 'events/s', baseline: samples.get('raw sqlite') },
    ];
  } finally {
    await host.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function durableEvents(host: Host): Promise<number> {
  const total = 20_000;
  const pinger = host.bus.client(pingContract);
  const counter = host.bus.client(sinkContract);
  const before = (await counter.count({})).count;
  const start = performance.now();
  for (let sent = 0; sent < total; sent += 500) await pinger.emit({ count: 500 });
  while ((await counter.count({})).count - before < total) await new Promise((resolve) => setTimeout(resolve, 5));
  return (total / (performance.now() - start)) * 1000;
}

function rawInsertsPerSecond(file: string): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('create table t (id integer primary key, body text)');
  const insert = db.prepare('insert into t (body) values (?)');
  const total = 20_000;
  const start = performance.now();
  for (let i = 0; i < total; i++) db.transaction(() => insert.run('{"n":1,"text":"hello"}'))();
  const perSecond = (total / (performance.now() - start)) * 1000;
  db.close();
  return perSecond;
}
