import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digest, expectRecovery, forEachPoint, mutationsOf, type Fault } from './crashPoints.ts';

/**
 * Kills a small backfill at every file-system mutation it makes (and, separately, fills the disk at
 * each one), resumes it, and compares with a run that was never interrupted: the same bytes in every
 * output file, no temporary file left, the inputs and everybody else's files untouched.
 */
const data = new URL('../../data/', import.meta.url).pathname;
let root: string;
let template: string;
const args = (sinks: string[]) => [
  'backfill',
  '--source',
  'in',
  '--external',
  'fear_greed=ext/fear_greed.csv',
  ...sinks,
  '--dead-letter',
  'jsonl:out/dead.jsonl',
  '--state-dir',
  'state',
  '--intervals',
  '1m,1h',
  '--partitions',
  '2',
  '--commit-every',
  '300',
  '--quiet',
];
const scenarios = {
  'Parquet features, JSON-lines signals': args(['--sink', 'parquet:out/features', '--signals', 'jsonl:out/signals.jsonl']),
  'JSON-lines features, Parquet signals': args(['--sink', 'jsonl:out/features.jsonl', '--signals', 'parquet:out/signals']),
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cs-crash-'));
  template = join(root, 'template');
  await mkdir(join(template, 'in'), { recursive: true });
  for (const symbol of ['BTCUSDT', 'BTCUSDC']) {
    const lines = (await readFile(join(data, `candles/binance_${symbol}_1m_2023-03-01_2023-03-21.csv`), 'utf8')).split('\n').slice(0, 301);
    lines.splice(100, 0, '2023-03-01 01:38:00+00:00,-5,1,1,1,1', lines[99]); // dead letters: a bad price, a duplicate
    await writeFile(join(template, 'in', `binance_${symbol}_1m_2023-03-01.csv`), lines.join('\n') + '\n');
  }
  // The days around the candles only: fewer commits, fewer mutations to enumerate.
  const external = (await readFile(join(data, 'external/fear_and_greed_index_daily.csv'), 'utf8')).split('\n');
  await mkdir(join(template, 'ext'));
  await writeFile(join(template, 'ext/fear_greed.csv'), [external[0], ...external.filter((l) => /^2023-0[23]-/.test(l))].join('\n') + '\n');
  // Somebody else's files, beside the outputs and the state: no run may touch them.
  await mkdir(join(template, 'out'), { recursive: true });
  await writeFile(join(template, 'out/NOTES.txt'), "not candlestream's\n");
  await mkdir(join(template, 'other/interval=1m/date=2023-03-01'), { recursive: true });
  await writeFile(join(template, 'other/interval=1m/date=2023-03-01/part-000001-000.parquet'), "somebody else's part\n");
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe.each(Object.entries(scenarios))('backfill (%s) interrupted at every file-system mutation', (name, cliArgs) => {
  let reference: Record<string, string>;
  let untouched: Record<string, string>;
  let points: string[];

  beforeAll(async () => {
    const dir = await fresh(`${slug(name)}-reference`);
    untouched = await digest(dir);
    points = await mutationsOf(cliArgs, dir, join(root, `${slug(name)}.log`));
    reference = await digest(join(dir, 'out'));
    console.log(`backfill (${name}): ${points.length} mutations`);
    expect(Object.keys(reference).length).toBeGreaterThan(4);
  }, 60_000);

  const check = async (fault: Fault) =>
    expectRecovery(
      cliArgs,
      await fresh(`${slug(name)}-${fault.mode}-${fault.at}`),
      fault,
      `${fault.mode} at ${points[fault.at - 1]}`,
      reference,
      untouched,
    );

  it('makes every file durable before the rename that publishes it, and the rename durable in its directory', () => {
    const ops = points.map((line) => line.split(' ').slice(1) as [string, string]);
    const renames = ops.map(([op, path], i) => ({ op, path, i })).filter((r) => r.op === 'rename');
    expect(renames.length).toBeGreaterThan(5);
    for (const { path, i } of renames) {
      const dir = path.slice(0, path.lastIndexOf('/'));
      // Temporary names: `.<name>.tmp` beside it (sinks) or `<name>.tmp` (the checkpoint).
      const temporaries = [`${dir}/.${path.slice(dir.length + 1)}.tmp`, `${path}.tmp`];
      const synced = ops.slice(0, i).findLast(([op, p]) => op === 'fsync' && temporaries.includes(p));
      expect(synced, `no fsync of ${path}'s temporary file before its rename`).toBeDefined();
      expect(
        ops.slice(i + 1).some(([op, p]) => op === 'fsync' && p === dir),
        `no fsync of ${dir} after renaming ${path}`,
      ).toBe(true);
    }
  });

  it('killed at each one, then resumed: identical output', async () => {
    expect(points.length).toBeGreaterThan(20);
    await forEachPoint(points.length, 2, (at) => check({ at, mode: 'kill' }));
  });

  it('out of disk space at each one: a clear error, then a clean resume', async () => {
    await forEachPoint(points.length, 2, (at) => check({ at, mode: 'enospc' }));
  });
});

async function fresh(name: string): Promise<string> {
  const dir = join(root, name);
  await cp(template, dir, { recursive: true, preserveTimestamps: true }); // the job's fingerprint covers the inputs' times
  return dir;
}

function slug(s: string): string {
  return s.replace(/[^a-z]+/gi, '-').toLowerCase();
}
