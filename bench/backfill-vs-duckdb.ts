import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { writeSyntheticCandles } from './syntheticCandles.ts';
import { backfillJob } from './backfillJob.ts';
import { median, timedRun, type TimedRun } from './timedRun.ts';
import { PHASES, profileBreakdown, type Phase } from './cpuProfileBreakdown.ts';
import type { YardstickSummary } from './columnar-yardstick.ts';

/**
 * Replay, Parquet to Parquet, in one run on this machine: candlestream's backfill (clean, 1m/5m/1h/1d
 * candles, 13 indicator columns) beside the yardstick (the same job as a minimal columnar loop,
 * bench/columnar-yardstick.ts, in two output layouts), DuckDB's SQL windows (SMA, Bollinger, simple RSI on
 * 1m only) and, with BENCH_PYTHON, PySpark local[2] running the seed pipeline's code (SMA 14/50, RSI 14 on
 * 1m). Each contender runs `runs` times, in turns, under /usr/bin/time: medians of wall and CPU seconds
 * (user + system) and peak RSS. Then one more backfill under `node --cpu-prof`: its CPU seconds by phase
 * (decode / engine / encode / file system), beside the yardstick's phases and issue 12's limit.
 *
 * Usage: node bench/backfill-vs-duckdb.ts [symbols=500] [minutes=2000] [runs=3]
 *   npm run bench                   1M candles, a few minutes
 *   npm run bench -- 500 10000      issue 12's 5M candles over 500 symbols
 * Environment: BENCH_PYTHON  a Python with PySpark 4.3 (scripts/pyspark-bench.sh makes .venv-bench/; Java 17
 *   or 21 on the PATH or in JAVA_HOME): adds PySpark local[2], reading the same file from local disk.
 */
const symbols = Number(process.argv[2] ?? 500);
const minutes = Number(process.argv[3] ?? 2_000);
const runs = Number(process.argv[4] ?? 3);
const python = process.env.BENCH_PYTHON;
const dir = 'bench/data';
const input = `${dir}/candles-${symbols}x${minutes}.parquet`;
const work = `${dir}/vs-duckdb`;
const candles = symbols * minutes;
mkdirSync(dir, { recursive: true });
if (!existsSync(input)) {
  console.log(`generating ${candles.toLocaleString('en-US')} synthetic 1m candles over ${symbols} symbols…`);
  await writeSyntheticCandles(input, symbols, minutes);
}
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const loadBefore = load();
const startedAt = new Date().toISOString();

interface Figures extends TimedRun {
  rows: number;
  /** Per-phase CPU seconds, the yardstick's own measure. */
  phases?: YardstickSummary['cpu'];
}
interface Contender {
  label: string;
  work: string;
  run(out: string): Figures;
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

function backfill(out: string, nodeFlags: string[] = []): Figures {
  const r = timedRun('candlestream backfill', process.execPath, [...nodeFlags, ...backfillJob(input, out)]);
  const summary = /([\d,]+) records in, ([\d,]+) features out in [\d.]+ s .*dead letters: ([^;]*);/.exec(r.stderr);
  if (!summary) throw new Error(`unexpected backfill summary: ${r.stderr.slice(-2000)}`);
  if (summary[3] !== 'none') throw new Error(`candlestream backfill: dead letters ${summary[3]}`);
  return { ...r, rows: Number(summary[2].replaceAll(',', '')) };
}

function yardstick(out: string, layout: 'interval' | 'symbol'): Figures {
  const r = timedRun('yardstick', process.execPath, ['bench/columnar-yardstick.ts', input, out, '--layout', layout]);
  const summary = lastJson(r.stdout) as YardstickSummary;
  return { ...r, rows: summary.rows, phases: summary.cpu };
}

const full = 'clean, 1m/5m/1h/1d candles, 13 indicator columns';
const contenders: Contender[] = [
  {
    label: 'candlestream backfill (1 thread)',
    work: `${full}, interval=…/date=… parts, a file per interval, day and commit`,
    run: (out) => backfill(out),
  },
  { label: 'yardstick, one file per interval', work: `${full}; a minimal columnar loop`, run: (out) => yardstick(out, 'interval') },
  {
    label: 'yardstick, one file per interval and symbol',
    work: `${full}; as above, in the old layout (a file per interval, symbol and commit)`,
    run: (out) => yardstick(out, 'symbol'),
  },
  {
    label: 'DuckDB (2 threads)',
    work: 'SMA 14/50, Bollinger 20, simple RSI 14 on 1m only',
    run(out) {
      const r = timedRun('DuckDB', process.execPath, ['bench/duckdbPeer.ts', input, out]);
      return { ...r, rows: (lastJson(r.stdout) as { rows: number }).rows };
    },
  },
];
if (python) {
  contenders.push({
    label: 'PySpark local[2]',
    work: 'seed pipeline: SMA 14/50, RSI 14 on 1m only',
    run(out) {
      const env = { ...process.env, SPARK_LOCAL_IP: '127.0.0.1', PYSPARK_PYTHON: python, TZ: 'UTC' };
      const r = timedRun('PySpark', python, ['bench/pysparkPeer.py', input, out, '--master', 'local[2]', '--driver-memory', '4g'], env);
      // Its own CPU and RSS: the Python process and its JVM, which /usr/bin/time may not see whole.
      const peer = lastJson(r.stdout) as { rows: number; cpuSeconds: number; peakRssMb: number };
      return { ...r, rows: peer.rows, cpu: peer.cpuSeconds, rssMb: peer.peakRssMb };
    },
  });
}

const results = contenders.map(() => [] as Figures[]);
const fresh = (out: string) => {
  rmSync(out, { recursive: true, force: true });
  return out;
};
for (let round = 1; round <= runs; round++) {
  contenders.forEach((c, i) => {
    console.log(`round ${round}/${runs}: ${c.label} (load ${load()})…`);
    results[i].push(c.run(fresh(`${work}/out-${i}`)));
  });
}
// The yardstick must do the backfill's work: the same rows (test/bench/columnarYardstick.test.ts compares the values).
for (const i of [1, 2])
  if (results[i][0].rows !== results[0][0].rows)
    throw new Error(`the yardstick wrote ${results[i][0].rows} rows, the backfill ${results[0][0].rows}`);

console.log(`profiling one more backfill (node --cpu-prof, load ${load()})…`);
const profileDir = fresh(`${work}/profile`);
const profiled = backfill(fresh(`${work}/out-profiled`), ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
const sampled = profileBreakdown(`${profileDir}/${readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'))}`);
rmSync(work, { recursive: true, force: true });

const fixed = (x: number, digits = 1) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const whole = (x: number) => Math.round(x).toLocaleString('en-US');
const med = (i: number, f: (r: Figures) => number) => median(results[i].map(f));
const oursWall = med(0, (r) => r.wall);
const oursCpu = med(0, (r) => r.cpu);
const rows = contenders.map((c, i) => {
  const wall = med(i, (r) => r.wall);
  const cpu = med(i, (r) => r.cpu);
  const ratio = i === 0 ? '1' : `${fixed(wall / oursWall, 2)}× / ${fixed(cpu / oursCpu, 2)}×`;
  return `| ${c.label} | ${c.work}, ${whole(results[i][0].rows)} rows | ${fixed(wall)} | ${whole(candles / wall)} | ${fixed(cpu)} | ${whole(candles / cpu)} | ${whole(med(i, (r) => r.rssMb))} MB | ${ratio} |`;
});

// Breakdown per 1M candles. The profile's main-thread samples split the run's user CPU (other threads' share
// goes with the phase that keeps them busy); the kernel's time (creating, writing and syncing files) is file system.
const busy = PHASES.reduce((sum, p) => sum + sampled[p], 0);
const perMillion = 1e6 / candles;
const ours = (p: Phase) => ((sampled[p] / busy) * profiled.user + (p === 'fileSystem' ? profiled.system : 0)) * perMillion;
const yard = (i: number, p: keyof YardstickSummary['cpu']) => med(i, (r) => r.phases![p]) * perMillion;
const yardOther = (i: number) => med(i, (r) => r.cpu - Object.values(r.phases!).reduce((a, b) => a + b, 0)) * perMillion;
const limit: Record<Phase, string> = {
  decode: '0.26',
  engine: '0.35',
  encode: '0.35 (plain writer)',
  fileSystem: '1.5–2.0 (2,000 files per 2M)',
  gc: 'in the above',
  other: '',
};
const label: Record<Phase, string> = {
  decode: 'decode (Parquet in, rows or columns)',
  engine: 'engine (Clean, windows, indicators, stores, dispatch)',
  encode: 'encode (Parquet out, buffering)',
  fileSystem: 'file system (writes, fsync, renames; kernel time)',
  gc: 'garbage collection',
  other: 'other (start-up, type stripping, unattributed)',
};
const yardPhase: Record<Phase, (i: number) => string> = {
  decode: (i) => fixed(yard(i, 'decode'), 2),
  engine: (i) => fixed(yard(i, 'compute'), 2),
  encode: (i) => fixed(yard(i, 'encode'), 2),
  fileSystem: (i) => fixed(yard(i, 'fileSystem'), 2),
  gc: () => 'in the above',
  other: (i) => fixed(yardOther(i), 2),
};
const breakdown = PHASES.map((p) => `| ${label[p]} | ${fixed(ours(p), 2)} | ${yardPhase[p](1)} | ${yardPhase[p](2)} | ${limit[p]} |`);

console.log(`
machine: ${cpus().length} × ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}
input: ${candles.toLocaleString('en-US')} synthetic 1m candles, ${symbols} symbols, one Parquet file (snappy)
started ${startedAt}, load average ${loadBefore}; finished ${new Date().toISOString()}, load average ${load()}

| run (median of ${runs}, taken in turns) | work | wall s | candles/s | CPU s | candles per CPU-s | peak RSS | candlestream ÷ it: candles/s, per CPU-s |
|---|---|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}
${python ? '' : '\n(PySpark: set BENCH_PYTHON to a Python with PySpark 4.3, e.g. .venv-bench/bin/python from scripts/pyspark-bench.sh)\n'}
wall: the process, start-up included; CPU: user + system, every thread${python ? " (PySpark's: its Python process and JVM, as it measures them)" : ''}.
A ratio above 1: candlestream is ahead.

CPU seconds per 1,000,000 candles, by phase: candlestream from a node --cpu-prof run of the same backfill
(${fixed(profiled.user)} s user, ${fixed(profiled.system)} s system; its main thread's samples split the user time, the
system time is counted as file system); the yardstick measured in process around each phase (median of ${runs});
issue 12's limit: the minimal loop the issue measured (2M candles, per 1M here).

| phase | candlestream | yardstick, one file per interval | yardstick, old layout | issue 12's limit |
|---|---:|---:|---:|---:|
${breakdown.join('\n')}
| total | ${fixed((profiled.cpu * 1e6) / candles, 2)} | ${fixed(med(1, (r) => r.cpu) * perMillion, 2)} | ${fixed(med(2, (r) => r.cpu) * perMillion, 2)} | |`);
