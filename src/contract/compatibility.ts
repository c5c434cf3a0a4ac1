import { majorOf } from './contract.js';
import { schemaChanges, type Flow, type SchemaJson } from './schema-changes.js';
import type { ContractSnapshot } from './snapshot.js';

/** One breaking change of a module's contract: where it is (operation or event, field) and what changed. */
export interface BreakingChange {
  module: string;
  /** `operation <name> input`, `operation <name> output`, `operation <name>` or `event <name>`. */
  subject: string;
  /** Dotted path of the field (`devices[].deviceId`), `''` for the whole operation, event or value. */
  field: string;
  change: string;
}

/** How one module's contract compares with its snapshot. */
export interface ModuleVerdict {
  module: string;
  /** The snapshot's version, undefined when there is none. */
  snapshotVersion?: string;
  version?: string;
  breaking: BreakingChange[];
  /** True when the breaking changes are allowed: the major version went up. */
  accepted: boolean;
  /** Things to do that do not fail the check, e.g. a snapshot older than the contract. */
  notes: string[];
}

/** A breaking change as one line: `telemetry: operation listReadings input, field "limit": new required field`. */
export function describeChange(change: BreakingChange): string {
  return `${change.module}: ${change.subject}${change.field ? `, field "${change.field}"` : ''}: ${change.change}`;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Who may call: rising access (`viewer` → `admin`) refuses callers that were let in. */
const accessOrder = ['public', 'viewer', 'operator', 'admin', 'system'];

/** The breaking changes from `old` to `next` (two snapshots of one module), whatever their versions. */
export function breakingChanges(old: ContractSnapshot, next: ContractSnapshot): BreakingChange[] {
  const module = next.module;
  const found: BreakingChange[] = [];
  const schema = (subject: string, before: SchemaJson, after: SchemaJson, flow: Flow) => {
    for (const { field, change } of schemaChanges(before, after, flow)) found.push({ module, subject, field, change });
  };
  for (const [name, before] of Object.entries(old.operations)) {
    const after = next.operations[name];
    const subject = `operation ${name}`;
    if (!after) {
      found.push({ module, subject, field: '', change: 'removed' });
      continue;
    }
    if (before.kind !== after.kind) found.push({ module, subject, field: '', change: `was a ${before.kind}, is a ${after.kind} now` });
    if (accessOrder.indexOf(after.access) > accessOrder.indexOf(before.access)) {
      found.push({ module, subject, field: '', change: `access raised from ${before.access} to ${after.access}` });
    }
    schema(`${subject} input`, before.input, after.input, 'input');
    schema(`${subject} output`, before.output, after.output, 'output');
  }
  for (const [name, before] of Object.entries(old.events)) {
    const after = next.events[name];
    if (!after) found.push({ module, subject: `event ${name}`, field: '', change: 'removed' });
    else schema(`event ${name}`, before, after, 'output');
  }
  return found;
}

/**
 * Compares a module's current contract (as a snapshot) with its recorded snapshot. Breaking changes fail unless
 * the major version went up; a compatible change, or a version raised without a new snapshot, only adds a note.
 */
export function verdictOf(recorded: ContractSnapshot | undefined, current: ContractSnapshot): ModuleVerdict {
  const module = current.module;
  const verdict: ModuleVerdict = { module, version: current.version, breaking: [], accepted: true, notes: [] };
  if (!recorded) {
    verdict.notes.push(`${module}: no snapshot yet: run cleave contracts snapshot`);
    return verdict;
  }
  verdict.snapshotVersion = recorded.version;
  if (compareVersions(current.version, recorded.version) < 0) {
    verdict.breaking.push({ module, subject: 'version', field: '', change: `${current.version} is lower than the snapshot's ${recorded.version}` });
    verdict.accepted = false;
    return verdict;
  }
  verdict.breaking = breakingChanges(recorded, current);
  const majorUp = majorOf(current.version) > majorOf(recorded.version);
  verdict.accepted = verdict.breaking.length === 0 || majorUp;
  const changed = !sameJson({ ...recorded, version: '' }, { ...current, version: '' });
  if (verdict.breaking.length) {
    if (majorUp) verdict.notes.push(`${module}: ${verdict.breaking.length} breaking change(s) accepted by the major version ${recorded.version} → ${current.version}: run cleave contracts snapshot`);
  } else if (changed && current.version === recorded.version) {
    verdict.notes.push(`${module}: compatible changes without a new version: raise the minor version (${recorded.version}), then run cleave contracts snapshot`);
  } else if (changed || current.version !== recorded.version) {
    verdict.notes.push(`${module}: snapshot ${recorded.version} is older than the contract ${current.version}: run cleave contracts snapshot`);
  }
  return verdict;
}

/** Negative, zero or positive as version `a` is lower than, equal to or higher than `b` (`MAJOR.MINOR.PATCH`). */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}
