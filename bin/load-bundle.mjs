// Loads the one-file build of the command line (dist/src/cleave.bundle.cjs, made by bin/bundle.mjs) with V8's
// code cache: the first run compiles it and keeps the compiled code; later runs start from that code. The cache
// lives in a folder of the user's own in the temp folder, one file per bundle, Node version and architecture.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

/**
 * The bundle's exports, or undefined when the compiled tree should run: `CLEAVE_BUNDLE=off`, no bundle (a build by
 * tsc alone), or a bundle older than the tree (tsc ran again since `npm run build`).
 */
export function loadBundle(url) {
  if (process.env.CLEAVE_BUNDLE === 'off') return undefined;
  const file = fileURLToPath(url);
  const bundleTime = modifiedAt(file);
  if (bundleTime === undefined) return undefined;
  if (modifiedAt(fileURLToPath(new URL('cli/main.js', url))) > bundleTime) {
    process.stderr.write('cleave: the bundle is older than the compiled tree, which runs instead; `npm run build` makes both\n');
    return undefined;
  }
  const source = readFileSync(file, 'utf8');
  const cacheFile = cacheFileOf(source);
  const cachedData = cacheFile && readCache(cacheFile);
  // The same wrapper Node gives a CommonJS file, on the first line, so line numbers in stack traces stay right.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  if (cacheFile && (!cachedData || script.cachedDataRejected)) keepCompiledCode(script, cacheFile);
  return module.exports;
}

/**
 * The cache file for this bundle (named by the id bin/bundle.mjs writes on its first line), or undefined when there
 * is no id or no safe place: the folder must be the user's own and writable by nobody else, since whoever can
 * write the cache chooses the code that runs.
 */
function cacheFileOf(source) {
  const id = /^\/\/ cleave bundle (\w+)\n/.exec(source)?.[1];
  if (!id) return undefined;
  const folder = join(tmpdir(), `cleave-code-cache-${process.getuid?.() ?? 'user'}`);
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const stat = statSync(folder);
    if ((process.getuid && stat.uid !== process.getuid()) || (stat.mode & 0o022) !== 0) return undefined;
  } catch {
    return undefined;
  }
  return join(folder, `${id}-${process.version}-${process.arch}.bin`);
}

function modifiedAt(file) {
  try {
    return statSync(file).mtimeMs;
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  }
}

function readCache(cacheFile) {
  try {
    return readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

/**
 * Writes the compiled code once start-up has compiled what it needs (after 2 s), or at exit if that comes first.
 * A write that fails (a read-only temp folder) only means the next run compiles again.
 */
function keepCompiledCode(script, cacheFile) {
  let kept = false;
  const keep = () => {
    if (kept) return;
    kept = true;
    const partial = `${cacheFile}.${process.pid}`;
    try {
      writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
      renameSync(partial, cacheFile);
    } catch {
      rmSync(partial, { force: true }); // the next run compiles again
    }
  };
  setTimeout(keep, 2000).unref();
  process.once('exit', keep);
}
