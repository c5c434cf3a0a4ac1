import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { Type, command, defineContract, query, type Contract } from '../src/index.js';
import { breakingChanges, describeChange, verdictOf } from '../src/contract/compatibility.js';
import { snapshotOf, snapshotText } from '../src/contract/snapshot.js';
import { telemetryContract } from '../modules/telemetry/contract.js';
import { quotesV1, quotesV1Minor, quotesV2, quotesV2AsMinor } from './fixtures/modules/quotes/contracts.js';
import { cleave, root, sandbox } from './fixtures/cli-run.js';

const strict = { additionalProperties: false } as const;

/** A one-operation contract around `input` and `output`, with one event `happened`. */
const contractOf = (version: string, input: object, output: object = Type.Object({}), event: object = Type.Object({})) =>
  defineContract({
    name: 'probe',
    version,
    operations: { act: command(input as never, output as never, { access: 'operator' }) },
    events: { happened: event as never },
  });

/** The breaking changes from `before` to `after`, one line each. */
const changes = (before: Contract, after: Contract) => breakingChanges(snapshotOf(before), snapshotOf(after)).map(describeChange);

test('when the repository\'s contracts are checked against its snapshots, then the check passes', async (t) => {
  const result = await cleave({ ...sandbox(t), cwd: root }, 'contracts', 'check');
  t.is(result.code, 0, result.stderr + result.stdout);
  t.regex(result.stdout, /5 module\(s\) compatible/);
});

test('when a contract has no version or a malformed one, then defineContract refuses it at import time', (t) => {
  const spec = { name: 'probe', operations: {}, events: {} };
  t.throws(() => defineContract(spec as never), { message: /contract "probe" needs a version MAJOR\.MINOR\.PATCH/ });
  t.throws(() => defineContract({ ...spec, version: '1.0' }), { message: /not "1\.0"/ });
  t.throws(() => defineContract({ ...spec, version: 'v1.0.0' }), { message: /not "v1\.0\.0"/ });
});

test('when a snapshot is written twice, then its text is the same and holds no TypeBox symbols', (t) => {
  const text = snapshotText(telemetryContract);
  t.is(snapshotText(telemetryContract), text);
  const parsed = JSON.parse(text);
  t.is(parsed.version, '1.0.0');
  t.deepEqual(Object.keys(parsed), ['module', 'version', 'operations', 'events']);
  t.deepEqual(Object.keys(parsed.operations.listReadings), ['kind', 'access', 'input', 'output']);
  t.false(text.includes('TypeBox'));
});

test('when a caller sends to an input with a new required field, then the check names it', (t) => {
  const before = contractOf('1.0.0', Type.Object({ id: Type.String() }));
  const after = contractOf('1.1.0', Type.Object({ id: Type.String(), reason: Type.String() }));
  t.deepEqual(changes(before, after), ['probe: operation act input, field "reason": new required field']);
});

test('when an input field is removed, then it breaks only where the object refuses unknown fields', (t) => {
  const open = contractOf('1.0.0', Type.Object({ id: Type.String(), note: Type.Optional(Type.String()) }));
  const closed = contractOf('1.0.0', Type.Object({ id: Type.String(), note: Type.Optional(Type.String()) }, strict));
  t.deepEqual(changes(open, contractOf('1.1.0', Type.Object({ id: Type.String() }))), []);
  t.deepEqual(changes(closed, contractOf('1.1.0', Type.Object({ id: Type.String() }, strict))), [
    'probe: operation act input, field "note": removed (unknown fields are refused)',
  ]);
});

test('when a field is retyped, then the check names the field and both types', (t) => {
  const before = contractOf('1.0.0', Type.Object({ limits: Type.Array(Type.Object({ max: Type.Number() })) }));
  const after = contractOf('1.1.0', Type.Object({ limits: Type.Array(Type.Object({ max: Type.String() })) }));
  t.deepEqual(changes(before, after), ['probe: operation act input, field "limits[].max": retyped from number to string']);
});

test('when an input enum is narrowed, then it breaks; when it is widened, then it does not', (t) => {
  const two = contractOf('1.0.0', Type.Object({ bucket: Type.Union([Type.Literal('1m'), Type.Literal('1h')]) }));
  const one = contractOf('1.1.0', Type.Object({ bucket: Type.Union([Type.Literal('1m')]) }));
  t.deepEqual(changes(two, one), ['probe: operation act input, field "bucket": no longer accepts "1h" (enum narrowed)']);
  t.deepEqual(changes(one, two), []);
});

test('when an input constraint is tightened, then it breaks; when it is loosened, then it does not', (t) => {
  const wide = contractOf('1.0.0', Type.Object({ limit: Type.Integer({ maximum: 10_000 }) }));
  const narrow = contractOf('1.1.0', Type.Object({ limit: Type.Integer({ maximum: 100 }) }));
  t.deepEqual(changes(wide, narrow), ['probe: operation act input, field "limit": maximum tightened: 10000 → 100']);
  t.deepEqual(changes(narrow, wide), []);
});

test('when an output field is removed or made optional, then readers break', (t) => {
  const before = contractOf('1.0.0', Type.Object({}), Type.Object({ id: Type.String(), name: Type.String(), at: Type.String() }));
  const after = contractOf('1.1.0', Type.Object({}), Type.Object({ id: Type.String(), at: Type.Optional(Type.String()) }));
  t.deepEqual(changes(before, after), [
    'probe: operation act output, field "name": removed',
    'probe: operation act output, field "at": became optional',
  ]);
});

test('when an event gains a value in an enum, then readers of the old contract break', (t) => {
  const before = contractOf('1.0.0', Type.Object({}), Type.Object({}), Type.Object({ level: Type.Union([Type.Literal('low'), Type.Literal('high')]) }));
  const after = contractOf('1.1.0', Type.Object({}), Type.Object({}), Type.Object({ level: Type.Union([Type.Literal('low'), Type.Literal('high'), Type.Literal('critical')]) }));
  t.deepEqual(changes(before, after), ['probe: event happened, field "level": may now be "critical", which the old contract refuses (enum widened)']);
});

test('when an operation or an event is removed, or an operation asks for more access, then each breaks', (t) => {
  const before = contractOf('1.0.0', Type.Object({}));
  const after = defineContract({ name: 'probe', version: '1.1.0', operations: { act: query(Type.Object({}), Type.Object({}), { access: 'admin' }) }, events: {} });
  const none = defineContract({ name: 'probe', version: '1.1.0', operations: {}, events: {} });
  t.deepEqual(changes(before, after), [
    'probe: operation act: was a command, is a query now',
    'probe: operation act: access raised from operator to admin',
    'probe: event happened: removed',
  ]);
  t.deepEqual(changes(before, none), ['probe: operation act: removed', 'probe: event happened: removed']);
});

test('when fields, operations and events are added compatibly, then there is no breaking change', (t) => {
  t.deepEqual(changes(quotesV1, quotesV1Minor), []);
});

test('when a breaking change comes with a new major version, then it passes; under a minor version, then it fails', (t) => {
  const major = verdictOf(snapshotOf(quotesV1), snapshotOf(quotesV2));
  t.true(major.accepted);
  t.is(major.breaking.length, 1);
  t.regex(major.notes.join('\n'), /accepted by the major version 1\.0\.0 → 2\.0\.0/);
  const minor = verdictOf(snapshotOf(quotesV1), snapshotOf(quotesV2AsMinor));
  t.false(minor.accepted);
  t.deepEqual(minor.breaking.map(describeChange), ['quotes: operation quote input, field "currency": new required field']);
  t.deepEqual(minor.notes, []);
});

test('when a compatible change was not snapshotted, then the check passes and says to snapshot', (t) => {
  const verdict = verdictOf(snapshotOf(quotesV1), snapshotOf(quotesV1Minor));
  t.true(verdict.accepted);
  t.deepEqual(verdict.notes, ['quotes: snapshot 1.0.0 is older than the contract 1.1.0: run cleave contracts snapshot']);
});

/** A snapshots folder holding the build's snapshots, with `telemetry.json` replaced by `telemetry`. */
function plantedSnapshots(t: import('ava').ExecutionContext, telemetry: object) {
  const box = sandbox(t);
  const dir = join(box.cwd, 'snapshots');
  mkdirSync(dir);
  for (const module of ['identity', 'devices', 'alerts', 'commands']) {
    writeFileSync(join(dir, `${module}.json`), readFileSync(join(root, 'contracts', `${module}.json`)));
  }
  writeFileSync(join(dir, 'telemetry.json'), JSON.stringify(telemetry));
  return { box, dir };
}

test('when a snapshot has an operation the contract no longer has, then check exits 1 naming module and operation', async (t) => {
  const recorded = snapshotOf(telemetryContract);
  const retired = { ...recorded, operations: { ...recorded.operations, purgeReadings: recorded.operations.listReadings } };
  const { box, dir } = plantedSnapshots(t, retired);
  const result = await cleave(box, 'contracts', 'check', '--dir', dir);
  t.is(result.code, 1, result.stderr);
  t.regex(result.stdout, /^breaking: telemetry: operation purgeReadings: removed$/m);
  t.regex(result.stderr, /^cleave: 1 breaking contract change\(s\) without a new major version .*raise the major version of telemetry\n$/);
});

test('when the snapshot is of an older minor version, then check exits 0 and says to snapshot', async (t) => {
  const { box, dir } = plantedSnapshots(t, { ...snapshotOf(telemetryContract), version: '0.9.0' });
  const result = await cleave(box, 'contracts', 'check', '--dir', dir);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /telemetry: snapshot 0\.9\.0 is older than the contract 1\.0\.0: run cleave contracts snapshot/);
});

test('when the snapshots folder is missing, then check exits 2 with one line saying how to make it', async (t) => {
  const box = sandbox(t);
  const result = await cleave(box, 'contracts', 'check');
  t.is(result.code, 2);
  t.regex(result.stderr, /^cleave: no contracts folder at .*contracts: run cleave contracts snapshot first, or point --dir at one\n$/);
});

test('when contracts are snapshotted into a new folder, then each module has its file and check passes', async (t) => {
  const box = sandbox(t);
  const written = await cleave(box, 'contracts', 'snapshot', '--dir', 'out');
  t.is(written.code, 0, written.stderr);
  t.is(readFileSync(join(box.cwd, 'out', 'telemetry.json'), 'utf8'), readFileSync(join(root, 'contracts', 'telemetry.json'), 'utf8'));
  t.is((await cleave(box, 'contracts', 'check', '--dir', 'out')).code, 0);
});
