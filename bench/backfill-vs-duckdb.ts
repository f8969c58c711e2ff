import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { writeSyntheticCandles } from './syntheticCandles.ts';

/**
 * Replay throughput, Parquet to Parquet, full indicator set on 1m/5m/1h/1d, beside DuckDB computing
 * SMA, Bollinger and simple RSI with window functions over the same rows, in the same run.
 * Usage: node bench/backfill-vs-duckdb.ts [symbols=500] [minutes=10000]
 */
const symbols = Number(process.argv[2] ?? 500);
const minutes = Number(process.argv[3] ?? 10_000);
const dir = 'bench/data';
const input = `${dir}/candles-${symbols}x${minutes}.parquet`;
mkdirSync(dir, { recursive: true });
if (!existsSync(input)) {
  console.log(`generating ${(symbols * minutes).toLocaleString('en-US')} synthetic 1m candles over ${symbols} symbols…`);
  await writeSyntheticCandles(input, symbols, minutes);
}
const candles = symbols * minutes;

function run(label: string, args: string[]) {
  console.log(`running ${label}…`);
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr}`);
  return r;
}

for (const out of [`${dir}/out-candlestream`, `${dir}/out-duckdb`, `${dir}/state`]) rmSync(out, { recursive: true, force: true });

const ours = run('candlestream backfill', [
  'cli/candlestream.ts',
  'backfill',
  '--source',
  input,
  '--sink',
  `parquet:${dir}/out-candlestream`,
  '--dead-letter',
  `jsonl:${dir}/dead-letter.jsonl`,
  '--state-dir',
  `${dir}/state`,
  '--fresh',
  '--commit-every',
  '1000000',
]);
const summary = /([\d,]+) records in, ([\d,]+) features out in ([\d.]+) s .*peak RSS (\d+) MB/.exec(ours.stderr);
if (!summary) throw new Error(`unexpected backfill summary: ${ours.stderr}`);
const oursSeconds = Number(summary[3]);
const oursRss = Number(summary[4]);

const peer = JSON.parse(
  run('DuckDB window functions', ['bench/duckdbPeer.ts', input, `${dir}/out-duckdb`])
    .stdout.trim()
    .split('\n')
    .pop()!,
);

const rate = (s: number) => Math.round(candles / s).toLocaleString('en-US');
console.log(`
machine: ${cpus().length} × ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}
input: ${candles.toLocaleString('en-US')} 1m candles, ${symbols} symbols, Parquet (snappy)

| run | work | seconds | candles/s | peak RSS |
|---|---|---:|---:|---:|
| candlestream backfill | clean, 1m/5m/1h/1d candles, 13 indicator columns, ${summary[2]} feature rows to Parquet | ${oursSeconds.toFixed(1)} | ${rate(oursSeconds)} | ${oursRss} MB |
| DuckDB (2 threads) | SMA 14/50, Bollinger 20, simple RSI 14 on 1m only, ${peer.rows.toLocaleString('en-US')} rows to Parquet | ${peer.seconds.toFixed(1)} | ${rate(peer.seconds)} | ${peer.peakRssMb} MB |

candlestream / DuckDB throughput: ${(peer.seconds / oursSeconds).toFixed(2)}×`);
