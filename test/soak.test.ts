import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const soak = fileURLToPath(new URL('../bench/soak.js', import.meta.url));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [soak, ...args], { timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

const number = /^-?\d+(\.\d+)?$/;

test('when the soak runs briefly, then it prints a line of figures per interval and ends with a verdict', async (t) => {
  const { code, stdout, stderr } = await run(['--minutes', '0.25', '--interval-seconds', '5', '--devices', '3', '--rate', '20']);

  t.true(code === 0 || code === 1, `exit ${code}: ${stderr}`);
  const lines = stdout.split('\n');
  const header = lines.findIndex((line) => line.trim().startsWith('minute'));
  t.true(header >= 0, stdout);
  const figures = lines.slice(header + 1).map((line) => line.trim().split(/\s+/)).filter((cells) => cells.length === 11 && cells.every((cell) => number.test(cell)));
  t.true(figures.length >= 2, stdout);
  t.true(figures.every((cells) => Number(cells[2]) > 0), 'every interval has acknowledgements');
  for (const target of ['all messages acknowledged and stored', 'bookkeeping <= 10 %', 'ack p99 <= 25 ms', 'RSS growth <= 10 %']) {
    t.regex(stdout, new RegExp(`^${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\\s(ok|MISS|n/a)$`, 'm'));
  }
  t.regex(stdout, /^verdict: (ok|MISS \(\d of 4 targets missed\))$/m);
  t.is(code === 0, /^verdict: ok$/m.test(stdout));
});

test('when a flag has a bad value, then the soak names it and exits 2 without starting anything', async (t) => {
  const { code, stdout, stderr } = await run(['--minutes', '1', '--devices', '2.5', '--rate', '10']);

  t.is(code, 2);
  t.is(stdout, '');
  t.regex(stderr, /--devices must be a whole number of at least 1/);
});
