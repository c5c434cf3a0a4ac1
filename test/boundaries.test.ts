import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { defineContract, type Contract } from '../src/contract/contract.js';
import { modules } from '../modules/index.js';
import { checkAccess, checkBoundaries } from './support/boundaries.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function plant(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'cleave-boundaries-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test('when the build\'s modules are checked, then none crosses a boundary', (t) => {
  t.deepEqual(checkBoundaries(repoRoot), []);
});

test('when a module imports another module\'s internals or kernel internals, then the check names each import', (t) => {
  const root = plant({
    'src/index.ts': 'export {};',
    'src/bus/bus.ts': 'export {};',
    'modules/a/contract.ts': 'export {};',
    'modules/a/data/store.ts': 'export {};',
    'modules/b/index.ts': [
      "import { x } from '../../src/index.js';",
      "import { c } from '../a/contract.js';",
      "import { own } from './handlers/own.js';",
      "import { store } from '../a/data/store.js';",
      "import { Bus } from '../../src/bus/bus.js';",
      "const lazy = await import('../a/data/store.js');",
    ].join('\n'),
  });
  try {
    const found = checkBoundaries(root);
    t.deepEqual(
      found.map((v) => v.specifier),
      ['../a/data/store.js', '../../src/bus/bus.js', '../a/data/store.js'],
    );
    t.regex(found[0].reason, /module "a"/);
    t.regex(found[1].reason, /kernel/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('when a module file re-exports with export *, then the check names it with a reason', (t) => {
  const root = plant({
    'src/index.ts': 'export {};',
    'modules/a/data/rows.ts': 'export const rows = 1;',
    'modules/a/store.ts': "export * from './data/rows.js';",
    'modules/a/index.ts': "export * as data from './data/rows.js';\nexport { rows } from './data/rows.js';",
  });
  try {
    const found = checkBoundaries(root);
    t.deepEqual(found.map((v) => [v.file.split('\\').join('/'), v.specifier]).sort(), [
      ['modules/a/index.ts', './data/rows.js'],
      ['modules/a/store.ts', './data/rows.js'],
    ]);
    t.true(found.every((v) => /export \*/.test(v.reason)));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('when the build\'s operations are checked, then each states who may call it', (t) => {
  t.deepEqual(checkAccess(modules.map((m) => m.contract)), []);
});

test('when an operation states no access, then the check names it and defineContract refuses it', (t) => {
  const silent = { kind: 'command', input: Type.Object({}), output: Type.Object({}) };
  const planted = { name: 'planted', version: '1.0.0', operations: { open: { ...silent, access: 'public' }, silent }, events: {} } as unknown as Contract;

  t.deepEqual(checkAccess([planted]).map((v) => v.operation), ['planted.silent']);
  t.throws(() => defineContract(planted as never), { message: /planted\.silent" must state who may call it/ });
});
