import { eventually } from '../../../test/support/host.js';
import { eventMessage, scenario, telemetryMessage, type Telemetry } from './fixture.js';

const accepted = { accepted: true };
const window = { 'telemetry.dedupeWindowMs': 1000 };

const switchedAt = async (tm: Telemetry) =>
  Number((await tm.rows('cleave_expiring_ids')).find((row) => row.name === 'seen_messages')!.switched_at);

/** Keeps ingesting readings without an id (the window turns after an ingestion) until the window has turned once more. */
async function nextTurn(tm: Telemetry): Promise<void> {
  const before = await switchedAt(tm);
  await eventually(async () => {
    await tm.ingest([telemetryMessage('d1', { metrics: { filler: 1 } }, Date.now())]);
    return (await switchedAt(tm)) > before ? true : undefined;
  }, 10_000, 'the window turned');
}

const seenIds = async (tm: Telemetry) => [...(await tm.rows('seen_messages_0')), ...(await tm.rows('seen_messages_1'))];

scenario('when a message id comes again within the dedupe window, after the window turned, then it is accepted without a second effect', async (t, tm) => {
  await tm.register('d1');
  await nextTurn(tm);
  const event = eventMessage('d1', 'door', { id: 'e-1', data: { open: true } }, Date.now());
  t.deepEqual(await tm.ingest([event]), [accepted]);
  await nextTurn(tm);

  t.deepEqual(await tm.ingest([{ ...event, receivedAt: Date.now() }]), [accepted]);

  t.is((await tm.get('/devices/d1/events')).body.events.length, 1);
}, [], { 'telemetry.dedupeWindowMs': 2000 });

scenario('when messages keep coming over several windows, then the seen ids hold at most two windows of them', async (t, tm) => {
  await tm.register('d1');
  const perWindow = 20;
  for (let turn = 1; turn <= 3; turn++) {
    const sets = Array.from({ length: perWindow }, (_, i) => ({ id: `w${turn}-${i}`, metrics: { temp: i } }));
    t.deepEqual(await tm.ingest([telemetryMessage('d1', sets, Date.now())]), [accepted]);
    await nextTurn(tm);
  }

  const held = await seenIds(tm);
  t.true(held.length <= 2 * perWindow, `${held.length} ids held`);
  t.false(held.some((row) => String(row.message_id).startsWith('w1-')), 'the first window\'s ids are forgotten');
}, [], window);
