import { Parser } from '@asyncapi/parser';
import { Validator } from '@seriousme/openapi-schema-validator';
import test, { type ExecutionContext } from 'ava';
import { Type, defineContract, defineModule } from '../src/index.js';
import { telemetryContract } from '../modules/telemetry/contract.js';
import { cleave, sandbox } from './fixtures/cli-run.js';
import { startTestHost } from './support/host.js';

/**
 * The documents a host serves describe it truthfully and are valid by third-party validators: the AsyncAPI
 * document by `@asyncapi/parser`, the OpenAPI document by `@seriousme/openapi-schema-validator`.
 */
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function hostDocument(t: ExecutionContext, path: string): Promise<Doc> {
  const host = await startTestHost();
  t.teardown(() => host.stop());
  const response = await fetch(`${host.url}${path}`);
  t.is(response.status, 200);
  t.regex(response.headers.get('content-type') ?? '', /^application\/json/);
  return (await response.json()) as Doc;
}

/** The AsyncAPI parser's diagnostics of error severity (0), as readable lines. */
async function asyncApiErrors(doc: Doc): Promise<string[]> {
  const diagnostics = await new Parser().validate(JSON.stringify(doc));
  return diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`);
}

test('when /asyncapi.json is asked without a token, then it is a valid AsyncAPI 3.0 document of the bus and the device API', async (t) => {
  const doc = await hostDocument(t, '/asyncapi.json');

  t.deepEqual(await asyncApiErrors(doc), []);
  t.is(doc.asyncapi, '3.0.0');
  const readings = doc.channels['telemetry.readingsRecorded'];
  t.is(readings.address, 'cleave/default/evt/telemetry/readingsRecorded');
  t.deepEqual(readings.messages.event.payload.properties.data, JSON.parse(JSON.stringify(telemetryContract.events.readingsRecorded)));
  t.deepEqual(doc.operations['alerts.on.telemetry.readingsRecorded'].channel, { $ref: '#/channels/telemetry.readingsRecorded' });
  t.deepEqual(doc.operations['kernel.on.commands.commandQueued'].channel, { $ref: '#/channels/commands.commandQueued' });
  const getDevice = doc.operations['devices.getDevice'];
  t.is(doc.channels['devices.getDevice.request'].address, 'cleave/default/req/devices/getDevice');
  t.deepEqual(getDevice.reply.channel, { $ref: '#/channels/replies' });
  const telemetry = doc.channels['device.telemetry'];
  t.is(telemetry.address, 'v1/devices/{deviceId}/telemetry');
  t.truthy(telemetry.messages.telemetry.payload.anyOf, 'one reading set or a batch');
  t.is(doc.channels['device.commands.level'].address, 'v1/devices/{deviceId}/commands/{level}');
  t.is(doc.operations['device.commands.level.send'].action, 'send');
  t.deepEqual(doc.channels['device.errors'].messages.errors.payload.required, ['id', 'code', 'reason']);
  t.false(JSON.stringify(doc).includes('"Kind"'));
});

test('when cleave asyncapi runs, then it prints the document with the configured namespace and no broker credentials', async (t) => {
  const box = sandbox(t, { CLEAVE_BUS_NAMESPACE: 'plant-7', CLEAVE_EDGE: 'external', CLEAVE_EDGE_URL: 'mqtts://admin:s3cret-pass@broker.example:8883' });

  const result = await cleave(box, 'asyncapi');

  t.is(result.code, 0, result.stderr);
  const doc = JSON.parse(result.stdout) as Doc;
  t.deepEqual(await asyncApiErrors(doc), []);
  t.is(doc.channels['telemetry.readingsRecorded'].address, 'cleave/plant-7/evt/telemetry/readingsRecorded');
  t.deepEqual(doc.servers.devices, { ...doc.servers.devices, host: 'broker.example:8883', protocol: 'secure-mqtt' });
  t.false(result.stdout.includes('s3cret-pass'));
});

test('when /openapi.json is asked of a started host, then an OpenAPI validator finds it valid', async (t) => {
  const doc = await hostDocument(t, '/openapi.json');

  const validator = new Validator();
  const result = await validator.validate(doc);

  t.true(result.valid, JSON.stringify(result.errors, null, 2));
  t.is(validator.version, '3.1');
  t.truthy(doc.paths['/api/devices/{id}'].get);
});

test('when a module describes the payload of a device topic kind it does not own, then defineModule refuses it', (t) => {
  const contract = defineContract({ name: 'gauges', version: '1.0.0', operations: {}, events: {} });

  const error = t.throws(() => defineModule({ contract, handlers: {}, devicePayloads: { telemetry: Type.Object({}) } }));

  t.regex(error!.message, /module "gauges" describes the payload of device topic kind "telemetry", which it does not own \(its kinds: none\)/);
});
