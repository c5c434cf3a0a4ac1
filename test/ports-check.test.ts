import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { modules } from '../modules/index.js';
import { CleaveError } from '../src/errors.js';
import type { ModuleDefinition } from '../src/kernel/module.js';
import { sandbox } from './fixtures/cli-run.js';
import { badKind, mismatchedPort, plainSecretIssued, revokedWithoutId, sameKind, viewerOperation } from './fixtures/modules/planted/index.js';
import { startTestHost } from './support/host.js';

const refusal = async (t: ExecutionContext, planted: ModuleDefinition) => {
  const error = await t.throwsAsync(startTestHost({ modules: [...modules, planted] }));
  t.true(error instanceof CleaveError, String(error));
  return error!.message;
};

test('when a module serves a port with an operation whose input is not the port\'s, then the host does not start and says which', async (t) => {
  t.is(
    await refusal(t, mismatchedPort),
    'module "planted": port "deviceAuth" names the operation "checkDevice", which has an input schema other than the port\'s deviceAuth input',
  );
});

test('when two modules take the same device topic kind, then the host does not start and names both', async (t) => {
  t.is(
    await refusal(t, sameKind),
    'module "telemetry": device topic kind "telemetry" (operation "ingestTelemetry") overlaps module "planted": device topic kind "telemetry" (operation "takeMessages"); a device topic goes to one operation',
  );
});

test('when a device topic kind is served by an operation a viewer may call, then the host does not start', async (t) => {
  t.regex(await refusal(t, viewerOperation), /^module "planted": device topic kind "planted" names the operation "viewMessages", which has access "viewer"; a port's operation has access "system"$/);
});

test('when a device topic kind holds #, then the host does not start and says what a kind is', async (t) => {
  t.regex(await refusal(t, badKind), /^module "planted": device topic kind "planted\/#" .* is not a device topic kind: a kind is an MQTT filter of levels matching \[A-Za-z0-9_\.:-\]\+ or \+, with no #$/);
});

test('when a module names as issued device credentials an event whose data is not the port\'s sealed secret, then the host does not start', async (t) => {
  t.is(
    await refusal(t, plainSecretIssued),
    'module "planted": port "deviceCredentials.issued" names the event "secretShown", whose data schema is not the port\'s DeviceSecretIssued',
  );
});

test('when a module names as revoking device credentials an event without a device id, then the host does not start', async (t) => {
  t.is(await refusal(t, revokedWithoutId), 'module "planted": port "deviceCredentials.revoked" names the event "gateClosed", whose data has no device id "id"');
});

test('when cleave start runs a build where two modules take the same kind, then it prints the mismatch and exits 1', async (t) => {
  const script = fileURLToPath(new URL('./fixtures/planted-cli.js', import.meta.url));
  const box = sandbox(t);
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    execFile(process.execPath, [script, 'start'], { cwd: box.cwd, env: box.env, timeout: 40_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr });
    });
  });
  t.is(result.code, 1, result.stderr);
  t.is(result.stderr.trim(), 'cleave: module "telemetry": device topic kind "telemetry" (operation "ingestTelemetry") overlaps module "planted": device topic kind "telemetry" (operation "takeMessages"); a device topic goes to one operation');
});
