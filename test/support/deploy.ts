import { execFile, spawnSync } from 'node:child_process';
import test, { type TestFn } from 'ava';
import { parseAllDocuments } from 'yaml';
import { cleave, root, sandbox } from '../fixtures/cli-run.js';

/** One object of a rendered manifest or compose file, read loosely: tests check the shape they rely on. */
export type Doc = Record<string, any>;

/**
 * `test` when `tool` is installed, and under CI (where the test then fails saying the tool is missing);
 * elsewhere `test.skip`, with a one-line notice saying how to enable the tests.
 */
export function testNeeding(tool: string, howToEnable: string): TestFn {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
  if (found || process.env.CI === 'true') return test;
  console.log(`deploy tests needing ${tool} skipped: ${howToEnable}`);
  return test.skip as unknown as TestFn;
}

/** Runs `command` in the repository root with an environment free of Cleave's and the compose file's variables. */
export function run(command: string, args: string[]): Promise<string> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(CLEAVE_|POSTGRES_)/.test(name)),
  );
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: root, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
        reject(new Error(`${command} is not installed; the deploy tests need it (CI=true)`));
      } else if (error) {
        reject(new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
      } else resolve(stdout);
    });
  });
}

/** The documents of a YAML stream, as plain objects; a YAML error throws. */
export function parseYaml(text: string): Doc[] {
  return parseAllDocuments(text).map((document) => {
    if (document.errors.length) throw document.errors[0];
    return document.toJS() as Doc;
  }).filter(Boolean);
}

/** The names of the build's modules, from `cleave modules --json`. */
export async function buildModules(t: Parameters<typeof sandbox>[0]): Promise<string[]> {
  const result = await cleave(sandbox(t), 'modules', '--json');
  if (result.code !== 0) throw new Error(`cleave modules failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as Array<{ name: string }>).map((module) => module.name);
}

/** The modules a host runs for its `CLEAVE_MODULES` value: unset or `*` is every module. */
export function modulesOf(value: string | undefined, all: string[]): string[] {
  if (value === undefined || value.trim() === '*') return all;
  if (value.trim() === 'none') return [];
  return value.split(',').map((name) => name.trim()).filter(Boolean);
}

/** For each module of the build, the hosts that run it. */
export function hostsByModule(all: string[], hosts: Array<{ name: string; modules: string | undefined }>) {
  return Object.fromEntries(
    all.map((module) => [module, hosts.filter((host) => modulesOf(host.modules, all).includes(module)).map((host) => host.name)]),
  );
}

/** Images of software that is not Cleave; every other container runs the Cleave image. */
export const isThirdParty = (image: string) => /^(eclipse-mosquitto|postgres)(:|@|$)/.test(image);
