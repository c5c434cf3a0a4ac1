import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { cleave, root, sandbox, type Sandbox } from './fixtures/cli-run.js';
import { cleaveVersion } from '../src/version.js';

/**
 * `bin/cleave` runs the one-file bundle that `npm run build` makes and keeps its compiled code in a folder of the
 * user's own under the temp folder; each test points TMPDIR at a folder of its own.
 */
function withTemp(t: Parameters<typeof sandbox>[0], env: NodeJS.ProcessEnv = {}): Sandbox & { cacheFolder: string } {
  const box = sandbox(t);
  const tmp = path.join(box.cwd, 'tmp');
  fs.mkdirSync(tmp);
  return { ...box, env: { ...box.env, TMPDIR: tmp, ...env }, cacheFolder: path.join(tmp, `cleave-code-cache-${process.getuid!()}`) };
}

const cacheFiles = (folder: string) => (fs.existsSync(folder) ? fs.readdirSync(folder) : []);
const bundleId = () => /^\/\/ cleave bundle (\w+)\n/.exec(fs.readFileSync(path.join(root, 'dist/src/cleave.bundle.cjs'), 'utf8'))?.[1];

test('when the CLI runs twice, then the first run keeps the compiled bundle and the second starts from it', async (t) => {
  const box = withTemp(t);

  const first = await cleave(box, '--version');
  const [kept] = cacheFiles(box.cacheFolder);
  const keptAs = fs.statSync(path.join(box.cacheFolder, kept));
  const second = await cleave(box, '--version');

  t.is(first.stdout.trim(), cleaveVersion, first.stderr);
  t.is(second.stdout.trim(), cleaveVersion, second.stderr);
  t.is(kept, `${bundleId()}-${process.version}-${process.arch}.bin`);
  t.is(fs.statSync(box.cacheFolder).mode & 0o777, 0o700);
  // a cache V8 accepted is not written again
  t.is(fs.statSync(path.join(box.cacheFolder, kept)).ino, keptAs.ino);
});

test('when the kept code is damaged, then the CLI compiles the bundle again and replaces it', async (t) => {
  const box = withTemp(t);
  await cleave(box, '--version');
  const [kept] = cacheFiles(box.cacheFolder);
  fs.writeFileSync(path.join(box.cacheFolder, kept), 'not compiled code');

  const run = await cleave(box, 'modules');

  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /telemetry/);
  t.true(fs.statSync(path.join(box.cacheFolder, kept)).size > 100_000);
});

test('when the cache folder is writable by others, then the CLI runs without keeping code there', async (t) => {
  const box = withTemp(t);
  fs.mkdirSync(box.cacheFolder, { mode: 0o777 });
  fs.chmodSync(box.cacheFolder, 0o777);

  const run = await cleave(box, '--version');

  t.is(run.stdout.trim(), cleaveVersion, run.stderr);
  t.deepEqual(cacheFiles(box.cacheFolder), []);
});

test('when CLEAVE_BUNDLE=off, then the CLI runs the compiled tree and keeps no bundle code', async (t) => {
  const box = withTemp(t, { CLEAVE_BUNDLE: 'off' });

  const run = await cleave(box, 'migrate', 'status');

  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /identity/);
  t.false(fs.existsSync(box.cacheFolder));
});

test("when the bundled CLI migrates a fresh data folder, then it applies the build's migration files", async (t) => {
  const box = withTemp(t);

  const run = await cleave(box, 'migrate', 'up', '--json');
  const results = JSON.parse(run.stdout) as Array<{ module: string; applied: string[] }>;

  t.is(run.code, 0, run.stderr);
  t.true(cacheFiles(box.cacheFolder).length === 1, 'ran from the bundle');
  t.deepEqual(results.map((r) => r.module).sort(), ['alerts', 'commands', 'devices', 'identity', 'telemetry']);
  t.true(results.find((r) => r.module === 'identity')!.applied.some((name) => /^\d{4}_/.test(name)), run.stdout);
});

test('when the compiled tree is newer than the bundle, then the CLI runs the tree and says how to remake the bundle', async (t) => {
  const box = withTemp(t);
  const copy = path.join(box.cwd, 'copy');
  for (const folder of ['bin', 'dist/src', 'dist/modules']) fs.cpSync(path.join(root, folder), path.join(copy, folder), { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(copy, 'package.json'));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'));
  const later = new Date(Date.now() + 60_000);
  fs.utimesSync(path.join(copy, 'dist/src/cli/main.js'), later, later);

  const run = spawnSync(process.execPath, [path.join(copy, 'bin/cleave'), '--version'], { env: box.env, encoding: 'utf8' });

  t.is(run.stdout.trim(), cleaveVersion, run.stderr);
  t.is(run.stderr, 'cleave: the bundle is older than the compiled tree, which runs instead; `npm run build` makes both\n');
  t.false(fs.existsSync(box.cacheFolder));
});
