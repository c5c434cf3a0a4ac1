import test from 'ava';
import { median, medianRatio, meets, type Row } from '../bench/table.js';

const row = (values: number[], extra: Partial<Row> = {}): Row => ({ bench: 'b', case: 'c', values, unit: 'req/s', ...extra });

test('when repeats are summarised, then the median is the middle value or the mean of the middle two', (t) => {
  t.is(median([3, 1, 2]), 2);
  t.is(median([4, 1, 3, 2]), 2.5);
  t.is(medianRatio(row([90, 100, 80], { baseline: [100, 120, 100] })), 0.9);
});

test('when a ratio target must hold in each run, then one run below it misses though the median passes', (t) => {
  const values = [95, 80, 100];
  const baseline = [100, 100, 100];
  t.true(meets(row(values, { baseline, target: { atLeastX: 0.9 } })));
  t.false(meets(row(values, { baseline, target: { atLeastX: 0.9, eachRun: true } })));
});

test('when a row has a bound, then its median is judged; without a target there is no verdict', (t) => {
  t.true(meets(row([30, 20, 24], { unit: 'ms', target: { atMost: 25 } })));
  t.false(meets(row([30, 26, 24], { unit: 'ms', target: { atMost: 25 } })));
  t.is(meets(row([1])), undefined);
});
