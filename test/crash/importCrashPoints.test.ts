import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeZip } from '../landing/import/makeZip.ts';
import { digest, expectRecovery, forEachPoint, mutationsOf, type Fault } from './crashPoints.ts';

/**
 * Kills a small import at every file-system mutation it makes (and, separately, fills the disk at
 * each one), runs it again, and compares with a run that was never interrupted: the same bytes in
 * every file of the dataset and of the dead letters, no temporary file left, the inputs and
 * everybody else's files untouched.
 */
const fixtures = new URL('../fixtures/import/', import.meta.url).pathname;
const DAY = 86_400_000;
let root: string;
let template: string;
const cliArgs = [
  'import',
  '--source',
  'in',
  '--out',
  'out/lake',
  '--dead-letter',
  'jsonl:out/dead.jsonl',
  '--commit-every',
  '8',
  '--quiet',
];

/** Binance klines, header-less (12 columns, ms), `n` one-minute candles from `start`. */
function klines(start: number, n: number, base: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const t = start + i * 60_000;
    const [o, c] = [base + (i % 5) * 0.5, base + ((i + 2) % 5) * 0.5];
    return [t, o, Math.max(o, c) + 1, Math.min(o, c) - 1, c, 10 + i, t + 59_999, 100, 10, 5, 50, 0].join(',');
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cs-crash-import-'));
  template = join(root, 'template');
  await mkdir(join(template, 'in'), { recursive: true });
  const midnight = Date.UTC(2024, 0, 2);
  // Each file crosses a UTC midnight: two partitions a symbol. A bad price and a bad time: dead letters.
  const btc = klines(midnight - 6 * 60_000, 12, 42_000);
  btc.splice(4, 0, btc[4].replace(/^(\d+),[^,]+/, '$1,not-a-price'));
  await writeFile(join(template, 'in/BTCUSDT-1m-2024-01-01.csv'), btc.join('\n') + '\n');
  const eth = klines(midnight - 5 * 60_000, 10, 2_300);
  eth.splice(7, 0, eth[7].replace(/^\d+/, 'yesterday'));
  await writeFile(join(template, 'in/ETHUSDT-1m-2024-01-01.csv'), eth.join('\n') + '\n');
  // A later export overlapping the first, read last (directories are walked in name order): it rewrites
  // a partition an earlier commit wrote, replacing BTC's last three rows and adding four.
  await mkdir(join(template, 'in/update'));
  await writeFile(join(template, 'in/update/BTCUSDT-1m-2024-01-02.csv'), klines(midnight + 3 * 60_000, 7, 42_100).join('\n') + '\n');
  const sol = klines(midnight + 10 * DAY - 4 * 60_000, 9, 148);
  await writeFile(join(template, 'in/SOLUSDT-1m-2024-01.zip'), makeZip([{ name: 'SOLUSDT-1m-2024-01.csv', data: sol.join('\n') + '\n' }]));
  await cp(join(fixtures, 'XBTUSD_1.csv'), join(template, 'in/XBTUSD_1.csv'));
  // Somebody else's files, beside the dataset and the dead letters: no run may touch them.
  await mkdir(join(template, 'out/other/symbol=BTC-USDT/date=2024-01-01'), { recursive: true });
  await writeFile(join(template, 'out/NOTES.txt'), "not candlestream's\n");
  await writeFile(join(template, 'out/other/symbol=BTC-USDT/date=2024-01-01/part-000001.parquet'), "somebody else's part\n");
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('import interrupted at every file-system mutation', () => {
  let reference: Record<string, string>;
  let untouched: Record<string, string>;
  let points: string[];

  beforeAll(async () => {
    const dir = await fresh('reference');
    untouched = await digest(dir);
    points = await mutationsOf(cliArgs, dir, join(root, 'import.log'));
    reference = await digest(join(dir, 'out'));
    expect(Object.keys(reference).filter((f) => f.endsWith('.parquet'))).toHaveLength(9); // eight partitions, and somebody else's
    const letters = (await readFile(join(dir, 'out/dead.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).reason);
    expect(letters).toEqual(['non_numeric:open', 'bad_timestamp']);
  }, 60_000);

  const check = async (fault: Fault) =>
    expectRecovery(
      cliArgs,
      await fresh(`${fault.mode}-${fault.at}`),
      fault,
      `${fault.mode} at ${points[fault.at - 1]}`,
      reference,
      untouched,
    );

  it('killed at each one, then run again: identical output', async () => {
    expect(points.length).toBeGreaterThan(60);
    expect(points.length).toBeLessThan(150); // every one is run twice, twice over
    const started = Date.now();
    await forEachPoint(points.length, 2, (at) => check({ at, mode: 'kill' }));
    console.log(`import: ${points.length} mutations, each killed and run again in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  });

  it('out of disk space at each one: a clear error, then a clean run', async () => {
    await forEachPoint(points.length, 2, (at) => check({ at, mode: 'enospc' }));
  });
});

async function fresh(name: string): Promise<string> {
  const dir = join(root, name);
  await cp(template, dir, { recursive: true, preserveTimestamps: true });
  return dir;
}
