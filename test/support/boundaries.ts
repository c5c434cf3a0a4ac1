import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { accessLevels, type Contract } from '../../src/contract/contract.js';

/** One import that crosses a boundary it must not cross. */
export interface Violation {
  file: string;
  specifier: string;
  reason: string;
}

const reexportAllPattern = /\bexport\s*\*\s*(?:as\s+\w+\s*)?from\s*['"]([^'"]+)['"]/g;
const importPattern = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.ts$/.test(name) && !name.endsWith('.d.ts')) yield path;
  }
}

/**
 * Checks the module boundaries of a source tree rooted at `root`: a file of `modules/<a>/` may import its
 * own module's files, another module's `contract.ts` and nothing else of it, and of the kernel only
 * `src/index.ts`. Packages and node built-ins are free. Files directly in `modules/` (the build's module list)
 * are the composition root, not a module. A module's tests may also use the shared test support. No module file
 * re-exports with `export *`: a barrel hides where a name comes from and invites bypassing it.
 */
export function checkBoundaries(root: string): Violation[] {
  const modulesDir = join(root, 'modules');
  const kernelEntry = join(root, 'src', 'index.ts');
  const violations: Violation[] = [];
  for (const file of sourceFiles(modulesDir)) {
    const parts = relative(modulesDir, file).split(sep);
    if (parts.length < 2) continue;
    const own = parts[0];
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(reexportAllPattern)) {
      violations.push({ file: relative(root, file), specifier: match[1], reason: 're-exports with export *; import from the file that declares the name' });
    }
    for (const match of text.matchAll(importPattern)) {
      const specifier = match[1] ?? match[2];
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
      const where = relative(root, target).split(sep);
      const rel = relative(root, file);
      if (where[0] === 'src' && target !== kernelEntry) {
        violations.push({ file: rel, specifier, reason: 'imports kernel internals; use the kernel entry src/index.ts' });
      } else if (where[0] === 'modules' && where.length > 2 && where[1] !== own && where.slice(2).join('/') !== 'contract.ts') {
        violations.push({ file: rel, specifier, reason: `reaches into module "${where[1]}"; import only its contract.ts` });
      } else if (where[0] === 'test' && where[1] === 'support' && parts.includes('test')) {
        continue;
      } else if (where[0] !== 'src' && where[0] !== 'modules') {
        violations.push({ file: rel, specifier, reason: 'imports a file outside the modules and the kernel entry' });
      }
    }
  }
  return violations;
}

/** An operation that does not say who may call it. */
export interface UndeclaredAccess {
  operation: string;
  reason: string;
}

/** Checks that every operation of `contracts` states its `access` (a role, `public` or `system`). */
export function checkAccess(contracts: Contract[]): UndeclaredAccess[] {
  const found: UndeclaredAccess[] = [];
  for (const contract of contracts) {
    for (const [name, operation] of Object.entries(contract.operations)) {
      if (accessLevels.includes(operation.access)) continue;
      found.push({ operation: `${contract.name}.${name}`, reason: `states no access: one of ${accessLevels.join(', ')}` });
    }
  }
  return found;
}
