import { Value } from '@sinclair/typebox/value';
import test from 'ava';
import { ReplyPayload } from '../device-payloads.js';
import { parseReply } from '../reply.js';

/** The reply schema of the AsyncAPI document says what the reply reader says, on the shapes a device is likely to try. */
const replies = [
  { id: 'c-1', ok: true, result: { celsius: 19.5 } },
  { id: 'c-1', ok: true },
  { id: 'c-1', ok: false, error: { code: 'BUSY', message: 'updating firmware' } },
  { id: 'c-1', ok: true, result: [1] },
  { id: 'c-1', ok: false },
  { id: 'c-1', ok: false, error: { code: '', message: 'x' } },
  { id: 'c-1', ok: 'yes' },
  { id: '', ok: true },
  { ok: true },
];

test('when a device sends likely replies, then the documented schema accepts exactly those the reader accepts', (t) => {
  for (const reply of replies) {
    t.is(Value.Check(ReplyPayload, reply), 'outcome' in parseReply(JSON.stringify(reply)), JSON.stringify(reply));
  }
});
