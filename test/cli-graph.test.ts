import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { assertOneErrorLine, cleave, root, sandbox } from './fixtures/cli-run.js';

/** `cleave graph` draws the build's calls and event subscriptions; the DOT output renders with Graphviz. */
const graphviz = spawnSync('dot', ['-V']).status === 0;
const ci = process.env.CI === 'true';
if (!graphviz && !ci) console.log('cli-graph: Graphviz `dot` is not installed; the DOT rendering test is skipped (it fails under CI=true)');

test('when the graph is drawn, then it is a Mermaid flowchart with calls solid and events dashed', async (t) => {
  const result = await cleave(sandbox(t), 'graph');

  t.is(result.code, 0, result.stderr);
  t.true(result.stdout.startsWith('flowchart LR\n'));
  t.regex(result.stdout, /^ {2}commands -->\|"getDevice"\| devices$/m);
  t.regex(result.stdout, /^ {2}devices -\.->\|"deviceRegistered, deviceDecommissioned"\| telemetry$/m);
  t.regex(result.stdout, /^ {2}telemetry -\.->\|"readingsRecorded"\| alerts$/m);
  t.regex(result.stdout, /^ {2}kernel_device_listener -->\|"ingestTelemetry, recordRejections"\| telemetry$/m);
  t.regex(result.stdout, /^ {2}commands -\.->\|"commandQueued"\| kernel_device_listener$/m);
  t.regex(result.stdout, /^ {2}kernel_http -->\|"[^"]*getJwks[^"]*"\| identity$/m);
});

test('when the README shows the graph, then it is what cleave graph prints for this build', async (t) => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

  const result = await cleave(sandbox(t), 'graph');

  t.is(/```mermaid\n([\s\S]*?)```/.exec(readme)?.[1], result.stdout);
});

(graphviz || ci ? test : test.skip)('when the graph is drawn as DOT, then Graphviz renders it and the SVG names every module', async (t) => {
  const result = await cleave(sandbox(t), 'graph', '--format', 'dot');

  const svg = execFileSync('dot', ['-Tsvg'], { input: result.stdout, encoding: 'utf8' });

  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /"commands" -> "devices" \[label="getDevice"\];/);
  t.regex(result.stdout, /"devices" -> "telemetry" \[label="deviceRegistered, deviceDecommissioned", style=dashed\];/);
  t.true(svg.includes('<svg'));
  for (const module of ['identity', 'devices', 'telemetry', 'alerts', 'commands', 'device listener']) {
    t.regex(svg, new RegExp(`<text[^>]*>${module}</text>`), module);
  }
});

test('when the graph is asked in an unknown format, then it exits 2 with one line naming the formats', async (t) => {
  const result = await cleave(sandbox(t), 'graph', '--format', 'svg');

  t.is(result.code, 2);
  t.is(result.stdout, '');
  assertOneErrorLine(t, result.stderr, '"svg"', 'mermaid or dot');
});

test('when a reader closes the pipe early, then cleave asyncapi stops quietly with exit 0', async (t) => {
  const child = spawn(process.execPath, [path.join(root, 'bin/cleave'), 'asyncapi'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const first = await new Promise<Buffer>((resolve) => child.stdout.once('data', resolve));
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

  t.true(first.toString().startsWith('{'));
  t.is(code, 0);
  t.is(stderr, '');
});
