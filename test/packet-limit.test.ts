import { Duplex, PassThrough, Writable } from 'node:stream';
import test from 'ava';
import { connectPacketLimit, PacketLimit, type PacketLimitBreach } from '../src/edge/packet-limit.js';

/** A fake connection: `feed` is what the device sends; what the stage reads comes out of `stage`. */
function stageOver(maxPacketBytes = 1000) {
  const incoming = new PassThrough();
  const source = Duplex.from({ readable: incoming, writable: new Writable({ write: (_chunk, _encoding, done) => done() }) });
  const breaches: Array<{ reason: PacketLimitBreach; declared?: number }> = [];
  const stage = new PacketLimit(source, { maxPacketBytes, connectTimeoutMs: 5000, remoteAddress: '192.0.2.1', onBreach: (reason, declared) => breaches.push({ reason, declared }) });
  const received: Buffer[] = [];
  stage.on('data', (chunk: Buffer) => received.push(chunk));
  const closed = new Promise<void>((resolve) => stage.once('close', () => resolve()));
  return { stage, feed: (bytes: Buffer) => incoming.write(bytes), received: () => Buffer.concat(received), breaches, closed };
}

const packet = (type: number, length: number) => {
  const header = [type << 4];
  let rest = length;
  do {
    const byte = rest % 128;
    rest = Math.floor(rest / 128);
    header.push(rest > 0 ? byte | 0x80 : byte);
  } while (rest > 0);
  return Buffer.concat([Buffer.from(header), Buffer.alloc(length, type)]);
};

const settled = () => new Promise((resolve) => setImmediate(resolve));

test('when packets arrive split at every byte, then the stage passes them unchanged, holding what follows the CONNECT until login', async (t) => {
  const connect = packet(1, 40);
  const rest = Buffer.concat([packet(3, 900), packet(12, 0), packet(3, 200)]);
  const { stage, feed, received } = stageOver();
  for (const byte of Buffer.concat([connect, rest])) feed(Buffer.from([byte]));
  await settled();
  t.deepEqual(received(), connect, 'only the CONNECT before login');
  stage.authenticated();
  await settled();
  t.deepEqual(received(), Buffer.concat([connect, rest]));
  stage.destroy();
});

test('when a CONNECT declares more than connectPacketLimit, then the stage closes before passing its header on', async (t) => {
  const { feed, received, breaches, closed } = stageOver();
  feed(packet(1, connectPacketLimit + 1).subarray(0, 100));
  await closed;
  t.deepEqual(breaches, [{ reason: 'packet_too_large', declared: connectPacketLimit + 1 }]);
  t.is(received().length, 0);
});

test('when a packet after login declares more than maxPacketBytes, then the stage closes; up to it, the packet passes', async (t) => {
  const { stage, feed, received, breaches, closed } = stageOver(1000);
  stage.authenticated();
  const fits = packet(3, 1000);
  feed(Buffer.concat([packet(1, 10), fits, packet(3, 1001)]));
  await closed;
  t.deepEqual(breaches, [{ reason: 'packet_too_large', declared: 1001 }]);
  t.true(received().length <= 12 + fits.length);
});

test('when a remaining length runs past four bytes, then the stage closes as malformed', async (t) => {
  const { feed, breaches, closed } = stageOver();
  feed(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]));
  await closed;
  t.deepEqual(breaches, [{ reason: 'malformed_header', declared: undefined }]);
});
