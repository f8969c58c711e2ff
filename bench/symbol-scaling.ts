import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { writeSyntheticCandles } from './syntheticCandles.ts';
import { backfillJob } from './backfillJob.ts';
import { median, timedRun } from './timedRun.ts';
import type { YardstickSummary } from './columnar-yardstick.ts';

/**
 * Does a candle cost the same with 50, 500 or 5,000 symbols? The same number of candles over each count of
 * symbols (fewer minutes each as symbols grow), the full job Parquet to Parquet, by candlestream's backfill and
 * by the yardstick (bench/columnar-yardstick.ts, one file per interval): CPU seconds (user + system, start-up
 * included) per candle, median of `runs`, taken in turns. Per-symbol state in hash maps grows slower per
 * candle as symbols grow; state in arrays should not.
 *
 * Usage: node bench/symbol-scaling.ts [candles=500000] [runs=3]
 */
const total = Number(process.argv[2] ?? 500_000);
const runs = Number(process.argv[3] ?? 3);
const dir = 'bench/data';
const work = `${dir}/symbol-scaling`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const loadBefore = load();
const startedAt = new Date().toISOString();

const sizes = [50, 500, 5_000].map((symbols) => ({ symbols, minutes: Math.round(total / symbols), input: '' }));
mkdirSync(dir, { recursive: true });
for (const size of sizes) {
  size.input = `${dir}/candles-${size.symbols}x${size.minutes}.parquet`;
  if (!existsSync(size.input)) await writeSyntheticCandles(size.input, size.symbols, size.minutes);
}

/** Files under `path`, recursively (the outputs' part files). */
const files = (path: string): number =>
  readdirSync(path, { withFileTypes: true }).reduce(
    (n, e) => n + (e.isDirectory() ? files(`${path}/${e.name}`) : e.name.endsWith('.parquet') ? 1 : 0),
    0,
  );

interface Measured {
  cpu: number;
  rows: number;
  files: number;
}

function backfill(input: string): Measured {
  const out = `${work}/backfill`;
  rmSync(out, { recursive: true, force: true });
  const r = timedRun('candlestream backfill', process.execPath, backfillJob(input, out));
  const summary = /([\d,]+) features out in .*dead letters: ([^;]*);/.exec(r.stderr);
  if (!summary || summary[2] !== 'none') throw new Error(`unexpected backfill summary: ${r.stderr.slice(-2000)}`);
  return { cpu: r.cpu, rows: Number(summary[1].replaceAll(',', '')), files: files(`${out}/features`) };
}

function yardstick(input: string): Measured {
  const out = `${work}/yardstick`;
  rmSync(out, { recursive: true, force: true });
  const r = timedRun('yardstick', process.execPath, ['bench/columnar-yardstick.ts', input, out]);
  const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as YardstickSummary;
  return { cpu: r.cpu, rows: summary.rows, files: summary.files };
}

const measured = sizes.map(() => ({ backfill: [] as Measured[], yardstick: [] as Measured[] }));
for (let round = 1; round <= runs; round++) {
  sizes.forEach(({ symbols, input }, i) => {
    console.log(`round ${round}/${runs}: ${symbols} symbols (load ${load()})…`);
    measured[i].backfill.push(backfill(input));
    measured[i].yardstick.push(yardstick(input));
  });
}
rmSync(work, { recursive: true, force: true });

const perCandle = (ms: Measured[], candles: number) => (median(ms.map((m) => m.cpu)) / candles) * 1e6;
const base = { backfill: perCandle(measured[0].backfill, sizes[0].symbols * sizes[0].minutes), yardstick: 0 };
base.yardstick = perCandle(measured[0].yardstick, sizes[0].symbols * sizes[0].minutes);
const n = (x: number, digits = 0) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const row = ({ symbols, minutes }: (typeof sizes)[number], i: number) => {
  const candles = symbols * minutes;
  const cells = (['backfill', 'yardstick'] as const).map((who) => {
    const ms = measured[i][who];
    const us = perCandle(ms, candles);
    return `${n(median(ms.map((m) => m.cpu)), 1)} | ${n(ms[0].files)} | ${n(us, 2)} | ${n(us / base[who], 2)}×`;
  });
  return `| ${n(symbols)} | ${n(minutes)} | ${n(candles)} | ${n(measured[i].backfill[0].rows)} | ${cells.join(' | ')} |`;
};

console.log(`
machine: ${cpus().length} × ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}
started ${startedAt}, load average ${loadBefore}; finished ${new Date().toISOString()}, load average ${load()}
full job (1m/5m/1h/1d, 13 indicator columns), Parquet to Parquet; CPU s: user + system, start-up included, median of ${runs}

| symbols | minutes each | candles | feature rows | candlestream CPU s | files | µs per candle | ÷ at 50 symbols | yardstick CPU s | files | µs per candle | ÷ at 50 symbols |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${sizes.map(row).join('\n')}`);
