import test from 'ava';
import { SecretSeal } from '../src/kernel/secret-seal.js';
import { testBusKey } from './support/host.js';

const refusal = { code: 'INVALID_ARGUMENT', message: /sealed secret of device "d-1" cannot be opened/ };

test('when a secret is sealed for a device, then a seal of the same key opens it for that device', (t) => {
  const sealed = new SecretSeal(testBusKey).seal('d-1', 'the-secret');
  t.false(sealed.includes('the-secret'));
  t.is(new SecretSeal(testBusKey).open('d-1', sealed), 'the-secret');
});

test('when one secret is sealed twice, then the two sealed forms differ', (t) => {
  const seal = new SecretSeal(testBusKey);
  t.not(seal.seal('d-1', 'the-secret'), seal.seal('d-1', 'the-secret'));
});

test('when any byte of a sealed secret is altered, then opening it is refused naming the device', (t) => {
  const seal = new SecretSeal(testBusKey);
  const sealed = seal.seal('d-1', 'the-secret');
  const parts = sealed.split('.');
  for (const n of [1, 2, 3]) {
    const bytes = Buffer.from(parts[n], 'base64url');
    for (let i = 0; i < bytes.length; i += 1) {
      const altered = Buffer.from(bytes);
      altered[i] ^= 1;
      const text = parts.map((part, m) => (m === n ? altered.toString('base64url') : part)).join('.');
      t.throws(() => seal.open('d-1', text), refusal, `part ${n}, byte ${i}`);
    }
  }
  t.throws(() => seal.open('d-1', 'not a sealed secret'), refusal);
});

test('when a secret was sealed under another key, or for another device, then opening it is refused', (t) => {
  const sealed = new SecretSeal(testBusKey).seal('d-1', 'the-secret');
  t.throws(() => new SecretSeal(`${testBusKey}-other`).open('d-1', sealed), refusal);
  t.throws(() => SecretSeal.inMemory().open('d-1', sealed), refusal);
  t.throws(() => new SecretSeal(testBusKey).open('d-2', sealed), { code: 'INVALID_ARGUMENT', message: /device "d-2"/ });
});
