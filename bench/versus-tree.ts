import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { backfillJob } from './backfillJob.ts';
import { writeSyntheticCandles } from './syntheticCandles.ts';

/**
 * This tree against another version of candlestream: the same Parquet-to-Parquet replay run by each,
 * alternately, three times each; wall and CPU seconds, medians. How a change's cost is measured
 * (durability's fsyncs, a refactoring that must not be slower).
 * Usage: node bench/versus-tree.ts BASELINE_TREE [symbols=500] [minutes=2000]
 *   e.g. git worktree add /tmp/before 71e9e75 && cp -al node_modules /tmp/before/
 */
const baseline = process.argv[2];
if (!baseline || !existsSync(join(baseline, 'cli/candlestream.ts')))
  throw new Error('usage: node bench/versus-tree.ts BASELINE_TREE [symbols] [minutes]');
const symbols = Number(process.argv[3] ?? 500);
const minutes = Number(process.argv[4] ?? 2_000);
const dir = resolve('bench/data');
const input = `${dir}/candles-${symbols}x${minutes}.parquet`;
mkdirSync(dir, { recursive: true });
if (!existsSync(input)) await writeSyntheticCandles(input, symbols, minutes);

/** One backfill; CPU seconds from /usr/bin/time (user + system, the fsync threads included). */
function backfill(tree: string, label: string) {
  const out = `${dir}/versus-${label}`;
  rmSync(out, { recursive: true, force: true });
  const started = performance.now();
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      '%U %S %M',
      '-o',
      `${out}.time`,
      process.execPath,
      ...backfillJob(input, out, { cli: join(tree, 'cli/candlestream.ts'), commitEvery: 'default' }),
      '--quiet',
    ],
    { encoding: 'utf8' },
  );
  const wall = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr}`);
  const [user, system, rssKb] = readFileSync(`${out}.time`, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  rmSync(out, { recursive: true, force: true });
  return { wall, cpu: user + system, system, rssMb: rssKb / 1024 };
}

const runs: Record<'before' | 'now', ReturnType<typeof backfill>[]> = { before: [], now: [] };
for (let i = 0; i < 3; i++) {
  runs.before.push(backfill(baseline, 'before'));
  runs.now.push(backfill('.', 'now'));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
const row = (label: string, rs: ReturnType<typeof backfill>[]) =>
  `| ${label} | ${median(rs.map((r) => r.wall)).toFixed(1)} | ${median(rs.map((r) => r.cpu)).toFixed(1)} | ${median(rs.map((r) => r.system)).toFixed(1)} | ${Math.round(median(rs.map((r) => r.rssMb)))} MB |`;
const ratio = (f: (r: ReturnType<typeof backfill>) => number) => (median(runs.now.map(f)) / median(runs.before.map(f))).toFixed(2);
console.log(`
machine: ${cpus().length} × ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}
input: ${(symbols * minutes).toLocaleString('en-US')} 1m candles, ${symbols} symbols; full job (1m/5m/1h/1d), Parquet to Parquet, default commits

| run (median of 3) | wall s | CPU s | of which system | peak RSS |
|---|---:|---:|---:|---:|
${row(`before (${baseline})`, runs.before)}
${row('now (this tree)', runs.now)}

now / before: wall ${ratio((r) => r.wall)}×, CPU ${ratio((r) => r.cpu)}×`);
