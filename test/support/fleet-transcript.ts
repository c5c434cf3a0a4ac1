import type { Step } from './fleet-scenario.js';

/** What a user sees in the fleet scenario, whatever the topology. */
export const expectedTranscript: Step[] = [
  ['admin logs in', { status: 200, hasToken: true }],
  ['admin reads itself', { status: 200, email: 'admin@example.test', role: 'admin' }],
  ['a bad rule is refused', { status: 400, type: 'application/problem+json', code: 'INVALID_ARGUMENT' }],
  ['an operator rule is created', { status: 201, name: 'too hot', op: 'gt' }],
  ['a device is registered', { status: 201, id: 'pump-1', labels: { site: 'north' }, hasSecret: true }],
  ['the device connects and is online', true],
  ['temperature readings, newest first', [['2030-01-01T00:00:20.000Z', 60], ['2030-01-01T00:00:10.000Z', 20]]],
  ['aggregates per minute', [['2030-01-01T00:00:00.000Z', 'humidity', 40, 40, 40, 1], ['2030-01-01T00:00:00.000Z', 'temp', 20, 60, 40, 2]]],
  ['the malformed message is recorded', ['INVALID_PAYLOAD']],
  ['an alert is raised', [['too hot', 'pump-1', 'temp', 60, 'open']]],
  ['the alert is acknowledged', { status: 200, state: 'acknowledged', by: 'string' }],
  ['the alert is resolved', [[true, 'resolved', true]]],
  ['a command is queued', { status: 202, state: 'pending', name: 'set-speed' }],
  ['the device receives it', { topic: 'v1/devices/pump-1/commands/set-speed', args: { rpm: 1200 }, sameId: true }],
  ['the device answers and the command succeeds', { state: 'succeeded', result: { rpm: 1180 } }],
  ['the device is decommissioned and disconnected', { status: 204, connected: false }],
  ['the device is refused', 'Connection refused: Bad username or password'],
  ['its history stays readable', [['humidity', 40], ['temp', 30]]],
];
