#!/usr/bin/env node
// Bundles the compiled command line (dist/src/cli/main.js, with the modules of the build and its libraries) into
// one script, dist/src/cleave.bundle.cjs, which bin/cleave loads through V8's code cache. `npm run build` runs it
// after tsc. Start-up was mostly Node resolving, reading and compiling about 1,500 files; see "Performance" in the
// README for what this buys.
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
const out = new URL('../dist/src/cleave.bundle.cjs', import.meta.url);

// A native addon stays a file of its package; the drivers knex names for other databases are not installed, and
// pg only tries pg-native when asked to.
const external = ['better-sqlite3', 'pg-native', 'mysql', 'mysql2', 'mariadb', 'mariadb/*', 'oracledb', 'tedious', 'sqlite3', 'pg-query-stream'];

try {
  const result = await build({
    entryPoints: [entry.pathname],
    outfile: out.pathname,
    bundle: true,
    platform: 'node',
    target: 'node20',
    // CommonJS, because only a script (not an ES module) can be compiled from a code cache on Node 20.
    format: 'cjs',
    // A script compiled from a code cache cannot run import() on Node 20: the libraries' import('http') become
    // require; the build's own files that must stay ES modules (migrations) go through src/files.ts.
    supported: { 'dynamic-import': false },
    external,
    // The bundle sits in dist/src/ like src/files.ts, so the build's files are found from its own address.
    define: { 'import.meta.url': '__bundleUrl' },
    logLevel: 'silent',
    write: false,
  });
  const code = result.outputFiles[0].text;
  // bin/cleave keys the code cache by this id, so a rebuilt bundle never runs with the code of an older one.
  const id = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const prologue = `// cleave bundle ${id}\n"use strict";\nconst __bundleUrl = require('node:url').pathToFileURL(__filename).href;\n`;
  writeFileSync(out, prologue + code);
} catch (error) {
  rmSync(out, { force: true });
  const messages = error.errors?.map((e) => `${e.location?.file ?? ''}:${e.location?.line ?? ''} ${e.text}`) ?? [String(error)];
  process.stderr.write(`bundle: could not bundle ${entry.pathname}:\n  ${messages.join('\n  ')}\n`);
  process.exit(1);
}
