import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { describeChange, verdictOf, type BreakingChange, type ModuleVerdict } from '../../contract/compatibility.js';
import type { Contract } from '../../contract/contract.js';
import { parseSnapshot, snapshotOf, snapshotText, type ContractSnapshot } from '../../contract/snapshot.js';
import { print, UsageError } from '../output.js';
import { buildKey, buildModules, type BuildLoader, type Command, type GlobalArgs } from '../options.js';

interface ContractsArgs extends GlobalArgs {
  action: 'snapshot' | 'check';
  dir: string;
  force?: boolean;
}

/** What `cleave contracts check` found: each module's verdict, and snapshots of modules no longer in the build. */
export interface ContractsReport {
  verdicts: ModuleVerdict[];
  gone: BreakingChange[];
}

/** The failing lines of a report: breaking changes the major version does not allow. */
export function failuresOf(report: ContractsReport): BreakingChange[] {
  return [...report.verdicts.filter((v) => !v.accepted).flatMap((v) => v.breaking), ...report.gone];
}

/** Reads the snapshots in `dir` (`<module>.json`); a missing folder or a bad file is a usage error. */
export function readSnapshots(dir: string): Map<string, ContractSnapshot> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`no contracts folder at ${dir}: run cleave contracts snapshot first, or point --dir at one`);
  }
  const found = new Map<string, ContractSnapshot>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.json')).sort()) {
    try {
      const snapshot = parseSnapshot(readFileSync(join(dir, file), 'utf8'), file);
      if (`${snapshot.module}.json` !== file) throw new Error(`${file} holds the snapshot of "${snapshot.module}"`);
      found.set(snapshot.module, snapshot);
    } catch (err) {
      throw new UsageError(`${(err as Error).message} (in ${dir})`);
    }
  }
  return found;
}

/** Compares the contracts of a build with the snapshots in `dir`. */
export function checkContracts(contracts: Contract[], dir: string): ContractsReport {
  const recorded = readSnapshots(dir);
  const verdicts = contracts.map((contract) => verdictOf(recorded.get(contract.name), snapshotOf(contract)));
  const names = new Set(contracts.map((c) => c.name));
  const gone = [...recorded.keys()]
    .filter((module) => !names.has(module))
    .map((module) => ({ module, subject: 'module', field: '', change: `has a snapshot but is not in this build (remove ${module}.json if it is meant to go)` }));
  return { verdicts, gone };
}

function printReport(report: ContractsReport): void {
  const failing = failuresOf(report);
  print(...report.verdicts.flatMap((v) => v.notes), ...failing.map((change) => `breaking: ${describeChange(change)}`));
}

/** The error of a failed check: one line naming the first breaking change and what to do. */
function breakingError(failing: BreakingChange[]): Error {
  const modules = [...new Set(failing.map((f) => f.module))].join(', ');
  const first = describeChange(failing[0]);
  return new Error(`${failing.length} breaking contract change(s) without a new major version (${first}${failing.length > 1 ? '; more above' : ''}): undo them, or raise the major version of ${modules}`);
}

/** `cleave contracts snapshot|check`: record the contracts, or fail on a breaking change without a major version. */
export const contractsCommand: Command = {
  builder: (yargs) =>
    (yargs as Argv<GlobalArgs>)
      .positional('action', { choices: ['snapshot', 'check'], describe: 'snapshot: write contracts/<module>.json; check: compare the contracts with them' })
      .options({
        dir: { type: 'string', default: 'contracts', describe: 'The snapshots folder' },
        force: { type: 'boolean', describe: 'snapshot: write even over breaking changes without a new major version' },
      }),
  handler: async (argv) => {
    const args = argv as ContractsArgs;
    const dir = resolve(args.dir ?? 'contracts');
    const build = (argv as { [buildKey]?: BuildLoader })[buildKey] ?? buildModules;
    const contracts = (await build()).map((m) => m.contract);
    if (args.action === 'check') {
      const report = checkContracts(contracts, dir);
      printReport(report);
      const failing = failuresOf(report);
      if (failing.length) throw breakingError(failing);
      print(`contracts: ${contracts.length} module(s) compatible with the snapshots in ${args.dir ?? 'contracts'}`);
      return;
    }
    const report = existsSync(dir) ? checkContracts(contracts, dir) : { verdicts: [], gone: [] };
    const failing = failuresOf(report);
    if (failing.length && !args.force) {
      printReport(report);
      throw breakingError(failing);
    }
    mkdirSync(dir, { recursive: true });
    for (const { module } of report.gone) rmSync(join(dir, `${module}.json`));
    for (const contract of contracts) {
      writeFileSync(join(dir, `${contract.name}.json`), snapshotText(contract));
      print(`wrote ${join(args.dir ?? 'contracts', `${contract.name}.json`)} (${contract.version})`);
    }
  },
};
