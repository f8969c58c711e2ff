import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { cpus, loadavg, totalmem } from 'node:os';
import { WebHdfsStorage } from '../io/storage/WebHdfsStorage.ts';
import { writeSyntheticCandles } from './syntheticCandles.ts';

/**
 * Backfill throughput from local disk and from HDFS, beside PySpark (local[2]) running the seed
 * pipeline's window-function code (SMA 14/50, RSI 14 on 1m) over the same rows, in the same run,
 * one run after the other (never two at once: the machine has 2 cores).
 *
 * Usage: node bench/backfill-vs-pyspark.ts [symbols=500] [minutes=10000]
 * (scripts/pyspark-bench.sh makes the venv with the pinned PySpark and runs this.)
 *
 * Environment:
 *   BENCH_PYTHON        the Python with PySpark (default .venv-bench/bin/python)
 *   BENCH_HDFS          the NameNode for hdfs:// (default hdfs://127.0.0.1:8020)
 *   BENCH_WEBHDFS       its WebHDFS address, for the upload and candlestream (default http://127.0.0.1:9870)
 *   HADOOP_USER_NAME    the HDFS user (default candlestream)
 *   BENCH_MAX_LOAD      before starting, wait up to 10 minutes for a 1-minute load average under
 *                       this, and give up if it stays above (default: start at once)
 *   BENCH_SETTLE_LOAD   between runs, wait up to 90 s for the 1-minute load average to fall under
 *                       this (default 1.0; 0 to not wait)
 *   BENCH_SPARK_MEMORY  the driver's memory (default 4g)
 *
 * The input goes to HDFS under /bench-pyspark-<pid>-<time>/, removed at the end.
 */
const symbols = Number(process.argv[2] ?? 500);
const minutes = Number(process.argv[3] ?? 10_000);
const python = process.env.BENCH_PYTHON ?? '.venv-bench/bin/python';
const namenode = (process.env.BENCH_HDFS ?? 'hdfs://127.0.0.1:8020').replace(/\/$/, '');
const webhdfs = process.env.BENCH_WEBHDFS ?? 'http://127.0.0.1:9870';
const hdfsUser = process.env.HADOOP_USER_NAME ?? 'candlestream';
const maxLoad = process.env.BENCH_MAX_LOAD ? Number(process.env.BENCH_MAX_LOAD) : undefined;
const settleLoad = Number(process.env.BENCH_SETTLE_LOAD ?? 1.0);
const sparkMemory = process.env.BENCH_SPARK_MEMORY ?? '4g';

const dir = 'bench/data';
const input = `${dir}/candles-${symbols}x${minutes}.parquet`;
const candles = symbols * minutes;
mkdirSync(dir, { recursive: true });
if (!existsSync(input)) {
  console.log(`generating ${candles.toLocaleString('en-US')} synthetic 1m candles over ${symbols} symbols…`);
  await writeSyntheticCandles(input, symbols, minutes);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** Waits (up to maxMs) for the 1-minute load average to fall under `under`; says whether it did. */
async function waitForLoad(under: number, maxMs: number): Promise<boolean> {
  const until = Date.now() + maxMs;
  while (loadavg()[0] >= under) {
    if (Date.now() >= until) return false;
    await sleep(5_000);
  }
  return true;
}

if (maxLoad !== undefined) {
  console.log(`waiting for a 1-minute load average under ${maxLoad} (now ${load()})…`);
  if (!(await waitForLoad(maxLoad, 10 * 60_000))) {
    console.error(`load average still ${load()} after 10 minutes: not running (BENCH_MAX_LOAD=${maxLoad})`);
    process.exit(1);
  }
}

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system) of this process's children that have ended (Linux: /proc/self/stat). */
function childrenCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(')').pop()!.trim().split(' ');
  return (Number(fields[13]) + Number(fields[14])) / clockTicks; // cutime, cstime
}

interface Run {
  label: string;
  reads: string;
  work: string;
  seconds: number; // timed, see the table's note
  wallSeconds: number; // the process, spawn to exit
  startupSeconds?: number;
  cpuSeconds: number;
  peakRssMb: number;
  loadBefore: string;
  at: string;
}

/** Runs one command to its end, after letting the load settle; fails with its stderr. */
async function run(label: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  if (settleLoad > 0 && !(await waitForLoad(settleLoad, 90_000))) console.log(`(load average still ${load()} after 90 s)`);
  const loadBefore = load();
  const at = new Date().toISOString();
  console.log(`${at} running ${label} (load average ${loadBefore})…`);
  const started = performance.now();
  const cpuBefore = childrenCpuSeconds();
  const r = await exec(command, args, { ...process.env, ...env });
  const wallSeconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr}`);
  return { r, wallSeconds, cpuSeconds: childrenCpuSeconds() - cpuBefore, loadBefore, at };
}

/** A child process to its end, its output collected (asynchronously: the event loop, and so the
 * HTTP client's idle-connection timers, keep running meanwhile). */
function exec(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | string; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ status: code ?? signal ?? 'unknown', stdout, stderr }));
  });
}

// Outputs and state in a directory of this bench's own (bench/data is shared with the other benches).
const work = `${dir}/vs-pyspark`;
const outputs = ['out-cs-local', 'out-cs-hdfs', 'out-cs-1m', 'out-pyspark-local', 'out-pyspark-hdfs'].map((o) => `${work}/${o}`);
const clean = () => rmSync(work, { recursive: true, force: true });

async function candlestream(
  label: string,
  source: string,
  out: string,
  what: string,
  extra: string[] = [],
): Promise<Run & { featureRows: number }> {
  rmSync(`${work}/state`, { recursive: true, force: true });
  const { r, wallSeconds, cpuSeconds, loadBefore, at } = await run(label, process.execPath, [
    'cli/candlestream.ts',
    'backfill',
    '--source',
    source,
    '--sink',
    `parquet:${out}`,
    '--dead-letter',
    `jsonl:${work}/dead-letter.jsonl`,
    '--state-dir',
    `${work}/state`,
    '--fresh',
    '--commit-every',
    '1000000',
    '--webhdfs',
    webhdfs,
    '--hdfs-user',
    hdfsUser,
    ...extra,
  ]);
  const summary = /([\d,]+) records in, ([\d,]+) features out in ([\d.]+) s .*dead letters: ([^;]*);.*peak RSS (\d+) MB/.exec(r.stderr);
  if (!summary) throw new Error(`unexpected backfill summary: ${r.stderr}`);
  if (Number(summary[1].replaceAll(',', '')) !== candles) throw new Error(`${label}: read ${summary[1]} records, not ${candles}`);
  if (summary[4] !== 'none') throw new Error(`${label}: dead letters ${summary[4]}`);
  const featureRows = Number(summary[2].replaceAll(',', ''));
  return {
    label,
    reads: source.startsWith('hdfs:') ? 'HDFS' : 'local',
    work: `${what}, ${featureRows.toLocaleString('en-US')} rows to Parquet`,
    seconds: Number(summary[3]),
    wallSeconds,
    cpuSeconds,
    peakRssMb: Number(summary[5]),
    loadBefore,
    at,
    featureRows,
  };
}

interface PeerFigures {
  seconds: number;
  startupSeconds: number;
  workSeconds: number;
  rows: number;
  columns: number;
  peakRssMb: number;
  cpuSeconds: number;
  sparkVersion: string;
  javaVersion: string;
  shufflePartitions: string;
  python: string;
}

async function pyspark(label: string, source: string, out: string): Promise<Run & { peer: PeerFigures }> {
  const { r, wallSeconds, loadBefore, at } = await run(
    label,
    python,
    ['bench/pysparkPeer.py', source, out, '--master', 'local[2]', '--driver-memory', sparkMemory],
    {
      HADOOP_USER_NAME: hdfsUser,
      SPARK_LOCAL_IP: '127.0.0.1',
      PYSPARK_PYTHON: python,
      TZ: 'UTC',
    },
  );
  const peer = JSON.parse(r.stdout.trim().split('\n').pop()!) as PeerFigures;
  if (peer.rows !== candles) throw new Error(`${label}: wrote ${peer.rows} rows, not ${candles}`);
  return {
    label,
    reads: source.startsWith('hdfs:') ? 'HDFS' : 'local',
    work: `SMA 14/50, RSI 14 (+ avg gain/loss) on 1m only, ${peer.rows.toLocaleString('en-US')} rows to Parquet`,
    seconds: peer.seconds,
    wallSeconds,
    startupSeconds: peer.startupSeconds,
    cpuSeconds: peer.cpuSeconds,
    peakRssMb: peer.peakRssMb,
    loadBefore,
    at,
    peer,
  };
}

// The same file in HDFS, under a directory of this run's own.
const hdfs = new WebHdfsStorage({ namenode: webhdfs, authority: namenode, user: hdfsUser });
const hdfsDir = `/bench-pyspark-${process.pid}-${Date.now()}`;
const hdfsInput = `${namenode}${hdfsDir}/${basename(input)}`;
let removed = false;
const removeHdfsDir = async () => {
  if (removed) return;
  removed = true;
  await hdfs.remove(hdfsDir).catch((e) => console.error(`could not remove ${namenode}${hdfsDir}: ${(e as Error).message}`));
};
process.once('SIGINT', () => void removeHdfsDir().then(() => process.exit(130)));

const runs: Run[] = [];
let uploadSeconds: number;
let cs: { local: Run & { featureRows: number }; hdfs: Run & { featureRows: number }; oneMinute: Run & { featureRows: number } };
let spark: { local: Run & { peer: PeerFigures }; hdfs: (Run & { peer: PeerFigures }) | string };
try {
  clean();
  mkdirSync(work, { recursive: true });
  const bytes = await readFile(input);
  console.log(`uploading ${input} (${(bytes.length / 2 ** 20).toFixed(0)} MiB) to ${hdfsInput}…`);
  const uploadStart = performance.now();
  await hdfs.write(`${hdfsDir}/${basename(input)}`, bytes);
  uploadSeconds = (performance.now() - uploadStart) / 1000;

  const full = 'clean, 1m/5m/1h/1d candles, 13 indicator columns';
  cs = {
    local: await candlestream('candlestream backfill', input, outputs[0], full),
    hdfs: await candlestream('candlestream backfill', hdfsInput, outputs[1], full),
    oneMinute: await candlestream('candlestream backfill --intervals 1m', input, outputs[2], 'clean, 1m candles, 13 indicator columns', [
      '--intervals',
      '1m',
    ]),
  };
  runs.push(cs.local, cs.hdfs, cs.oneMinute);
  spark = { local: await pyspark('PySpark local[2], seed pipeline', input, outputs[3]), hdfs: '' };
  runs.push(spark.local);
  try {
    spark.hdfs = await pyspark('PySpark local[2], seed pipeline', hdfsInput, outputs[4]);
    runs.push(spark.hdfs);
  } catch (e) {
    spark.hdfs = (e as Error).message;
  }
} finally {
  await removeHdfsDir();
  clean();
}

const rate = (s: number) => Math.round(candles / s).toLocaleString('en-US');
const times = (ours: number, theirs: number) => `${(theirs / ours).toFixed(2)}×`;
const peer = spark.local.peer;
console.log(`
machine: ${cpus().length} × ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, Java ${peer.javaVersion}, Spark ${peer.sparkVersion} (PySpark, Python ${peer.python})
input: ${candles.toLocaleString('en-US')} 1m candles, ${symbols} symbols, one Parquet file (snappy), local and in HDFS (${namenode}, uploaded through WebHDFS in ${uploadSeconds!.toFixed(1)} s); all outputs to local disk
PySpark: local[2], driver memory ${sparkMemory}, spark.sql.shuffle.partitions ${peer.shufflePartitions} (the default), UI off, logs at ERROR

| run | reads | work | seconds | candles/s | CPU s | peak RSS | load avg before (1/5/15 min) |
|---|---|---|---:|---:|---:|---:|---|
${runs.map((r) => `| ${r.label} | ${r.reads} | ${r.work} | ${r.seconds.toFixed(1)}${r.startupSeconds === undefined ? '' : ` (start-up ${r.startupSeconds.toFixed(1)})`} | ${rate(r.seconds)} | ${r.cpuSeconds.toFixed(1)} | ${r.peakRssMb.toLocaleString('en-US')} MB | ${r.loadBefore} |`).join('\n')}
${typeof spark.hdfs === 'string' ? `\nPySpark from HDFS failed: ${spark.hdfs.slice(0, 2000)}\n` : ''}
seconds: candlestream's own (its summary line, from opening the inputs to the last write; the process took ${runs
  .slice(0, 3)
  .map((r) => `${r.wallSeconds.toFixed(1)}`)
  .join(', ')} s wall-clock with Node's start);
PySpark's from building the session (JVM start) to the end of the write; the start-up is part of it.
CPU s: user + system; candlestream's whole process, PySpark's Python process and JVM until the write's end.
Peak RSS: candlestream's process; PySpark's Python process and its JVM, summed, sampled every 100 ms.

candlestream ÷ PySpark throughput:
- closest work, both from local disk: candlestream --intervals 1m (13 indicators) vs the seed pipeline (3 + 2 columns): ${times(cs.oneMinute.seconds, spark.local.seconds)} (against PySpark without its start-up: ${times(cs.oneMinute.seconds, peer.workSeconds)})
- unlike work, from local disk: candlestream full (4 intervals) vs the seed pipeline: ${times(cs.local.seconds, spark.local.seconds)} (without Spark's start-up: ${times(cs.local.seconds, peer.workSeconds)})
${typeof spark.hdfs === 'string' ? '' : `- unlike work, from HDFS: ${times(cs.hdfs.seconds, spark.hdfs.seconds)} (without Spark's start-up: ${times(cs.hdfs.seconds, spark.hdfs.peer.workSeconds)})\n`}
HDFS ÷ local time: candlestream ${(cs.hdfs.seconds / cs.local.seconds).toFixed(2)}${typeof spark.hdfs === 'string' ? '' : `, PySpark ${(spark.hdfs.seconds / spark.local.seconds).toFixed(2)}`}
finished ${new Date().toISOString()}, load average ${load()}`);
