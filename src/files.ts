/**
 * The build's own files, found alike from the compiled tree (`dist/src/...`) and from the one-file bundle of the
 * command line (`dist/src/cleave.bundle.cjs`, see `bin/bundle.mjs`): this file and the bundle both sit in
 * `dist/src/`, so a path taken from here means the same file in both.
 */
const dist = new URL('../', import.meta.url);

/** A file of the compiled build: `buildFile('migrations/')` is `dist/migrations/`. */
export const buildFile = (path: string): URL => new URL(path, dist);

/** A file of the package itself: `packageFile('package.json')`. */
export const packageFile = (path: string): URL => new URL(`../${path}`, dist);

let importer = (url: string): Promise<unknown> => import(url);

/**
 * Imports an ES module at run time, such as a migration. The bundle runs as a script compiled from V8's code
 * cache, which cannot call `import()` itself on Node 20, so `bin/cleave` hands it an importer with `useImporter`.
 */
export const importModule = (url: string): Promise<unknown> => importer(url);

/** Replaces the importer `importModule` uses. */
export function useImporter(importModuleFrom: (url: string) => Promise<unknown>): void {
  importer = importModuleFrom;
}
