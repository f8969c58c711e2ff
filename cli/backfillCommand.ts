import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HDFS_FLAGS, HDFS_HELP, hdfsSettings } from './hdfsFlags.ts';
import { DEAD_LETTER } from '../topology/Topology.ts';
import { OUTPUT_MODES, OutputRefused, type OutputMode, type OutputWriter } from '../io/OutputWriter.ts';
import { buildMarketTopology, defaultMarketOptions, featureColumns, type MarketTopologyOptions } from '../processors/marketTopology.ts';
import { NODES } from '../processors/nodeNames.ts';
import { BackfillRunner, type BackfillSummary } from '../backfill/BackfillRunner.ts';
import { inputContent, type BoundedInput } from '../backfill/BoundedInput.ts';
import { candleFileInputs } from '../backfill/candleFileInput.ts';
import { externalSignalInput } from '../backfill/externalSignalInput.ts';
import { parseSinkUri, sinkTarget, type SinkOptions, type SinkTarget } from '../io/parseSinkUri.ts';
import { OutputClosed } from '../io/JsonlWriter.ts';
import type { ColumnSpec } from '../io/parquet/ColumnBuffer.ts';
import { FEATURE_LAYOUT_VERSION } from '../io/parquet/DatasetLayout.ts';
import type { HdfsSettings } from '../io/storage/storageFor.ts';
import {
  externalFileNames,
  signalIntervals,
  topologyFlagOptions,
  TOPOLOGY_FLAGS,
  TOPOLOGY_HELP,
  type TopologyFlagOptions,
} from './topologyFlags.ts';
import { SIGNAL_COLUMNS, SIGNAL_COLUMN_TYPES } from '../market/Signal.ts';
import { defaultStateDir } from './defaultStateDir.ts';
import { refuseSpecialJsonlFile } from './jsonlSinkFile.ts';
import { refuseSinkOverlaps, type FlagLocation } from './sinkOverlaps.ts';
import { externalSpec } from './externalSpec.ts';
import { progressReporter } from './progress.ts';
import { resolveSettings, SETTINGS_HELP, type SettingsOf } from './settings.ts';
import { UsageError } from './UsageError.ts';
import { COMMIT_EVERY_LIMIT, PARTITIONS_LIMIT, timeFlag, wholeNumber } from './flagValues.ts';
import { MODEL_HELP, useModel, type SignalOptions } from './modelFlag.ts';
import { MANIFEST_FILE, MODEL_FILE } from '../models/OnnxSignalModel.ts';
import { ownsSymbol, shardName, type Shard } from '../backfill/Shard.ts';
import { tasksFlag } from './tasksFlag.ts';
import type { ModelDirectory } from '../models/ModelDirectory.ts';

export const BACKFILL_HELP = `Usage: candlestream backfill --source <file|dir>... --sink <uri> [options]

Replays candle history through the topology, in event-time order, and writes the features.
${SETTINGS_HELP}

Input:
  --source LOCATION        a CSV or Parquet file, or a directory of them, local or hdfs://…
                           (repeatable). CSV: with a header (time column + open, high, low, close,
                           volume), Binance kline exports without header, Kraken OHLCVT exports.
                           Parquet: as Spark, pyarrow and DuckDB write it. Hive partitions
                           (symbol=…/date=…) are read only where --symbol, --from, --to allow
  --symbol S               symbol for files without a symbol column (default: from the path, e.g.
                           symbol=BTC-USDT/, or the file name, e.g. BTCUSDT-1m-2024-01.csv); in a
                           dataset partitioned by symbol, the only one read
  --exchange NAME          exchange for rows without one (default: from the file name, else unknown)
  --from T, --to T         only candles with from ≤ ts < to (ISO-8601 or epoch s/ms/µs/ns)
  --on-error fail|skip     a file that cannot be read (missing column, corrupt, truncated): stop with
                           its name and the reason (fail, default), or skip it (or its unread rest)
                           and say so
${HDFS_HELP}
${TOPOLOGY_HELP}
Output:
  --sink URI               parquet:DIR (Hive-style interval=…/date=… partitions, symbol a column;
                           DIR local or hdfs://…), jsonl:FILE, or - (JSON lines on stdout)
  --signals URI            also write signals there (as the live service publishes them), same forms
  --signal-intervals LIST  intervals whose closed candles give a signal (default 1m; with --model,
                           the model's interval)
${MODEL_HELP}
                           Needs --signals.
  --dead-letter URI        rejected records with their reason (default jsonl:dead-letter.jsonl, which
                           is appended to in every mode; a re-run of the same job replaces its lines)
  --mode error|append|overwrite
                           what a fresh start does with what a sink already holds (every sink):
                           error (default) refuses if it holds anything this job did not write;
                           append adds beside it; overwrite replaces what candlestream wrote there
                           (a JSONL file named here: the whole file) and refuses if a dataset holds
                           files candlestream did not write. A sink never deletes others' files,
                           and a job's re-run (same inputs and options) replaces its own output.
                           A sink may not share a place with another sink or a source.
Running:
  --state-dir DIR          stores and checkpoint; a run that was interrupted resumes from its last
                           checkpoint (default: one directory for each --sink, under
                           .candlestream/backfill/, named after it: backfills to different sinks
                           run in one directory keep apart)
  --fresh                  discard any checkpoint and state, start from the beginning (the sinks
                           as --mode says)
  --partitions N           tasks, one per partition, placed by Kafka's partitioner (default 4; at
                           most 256: each task opens its own stores)
  --tasks I/N              run shard I of N (0 ≤ I < N ≤ partitions): only the tasks of partitions
                           p with p % N = I, the symbols live gives them; symbol=… directories of
                           other shards' symbols are not read, other rows are skipped. N shards
                           (other machines, one after another, or a Kubernetes Indexed Job) write
                           disjoint files into one Parquet sink, together equal to one run. Each
                           has its state under <state-dir>/shard-I-of-N; a JSONL file sink needs
                           {shard} in its URI, which becomes shard-I-of-N (default dead letters:
                           dead-letter.{shard}.jsonl)
  --commit-every N         records between commits (default 200000; at most 10000000: their output
                           is held in memory until the commit)
  --quiet                  no progress or summary on stderr
  --stop-after N           stop after N records as if killed, committing nothing more (crash tests)`;

export const BACKFILL_FLAGS = {
  ...TOPOLOGY_FLAGS,
  source: { type: 'string', multiple: true, default: [] as string[] },
  symbol: { type: 'string' },
  exchange: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  'on-error': { type: 'string', default: 'fail' },
  ...HDFS_FLAGS,
  sink: { type: 'string' },
  signals: { type: 'string' },
  'signal-intervals': { type: 'string' },
  model: { type: 'string' },
  'dead-letter': { type: 'string' },
  mode: { type: 'string', default: 'error' },
  'state-dir': { type: 'string' },
  fresh: { type: 'boolean', default: false },
  partitions: { type: 'string', default: '4' },
  tasks: { type: 'string' },
  'commit-every': { type: 'string', default: '200000' },
  quiet: { type: 'boolean', default: false },
  'stop-after': { type: 'string' },
} as const;

type BackfillSettings = SettingsOf<typeof BACKFILL_FLAGS>;

export async function backfillCommand(args: string[]): Promise<void> {
  const job = backfillJob(resolveSettings(BACKFILL_FLAGS, args, process.env));
  const externals = job.s.external.map((spec) => externalSignalInput(externalSpec(spec), NODES.external));
  // A file with several numeric columns brings several signals: the topology needs all their names.
  const externalSignals = (await Promise.all(externals.map((e) => e.names()))).flat();
  const scoring = job.s.model ? await modelScoring(job, externalSignals) : undefined;
  try {
    const market = defaultMarketOptions({ ...job.topology, externalSignals, ...(scoring?.signals ?? job.ruleSignals) });
    const topology = buildMarketTopology(market);
    const writers = backfillWriters(job, market);
    const skipped: string[] = [];
    const inputs = [...externals, ...(await candleInputs(job, skipped))];
    const runner = new BackfillRunner({
      topology,
      inputs,
      writers,
      partitions: job.partitions,
      stateDir: job.stateDir,
      commitEvery: job.commitEvery,
      ...(await jobFingerprints(job, market, inputs, scoring)),
      fresh: job.s.fresh,
      onProgress: progressReporter('backfill', job.s.quiet),
      onLog: job.s.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
      stopAfter: job.stopAfter,
      shard: job.shard,
    });
    const summary = await replay(runner);
    if (summary && !job.s.quiet) report(summary, skipped, scoring, job.signals !== undefined);
  } finally {
    await scoring?.models.close();
  }
}

/** The flags, checked: a bad one stops start-up, naming it, before any file is opened. */
interface BackfillJob {
  readonly s: BackfillSettings;
  /** The sinks' URIs, `{shard}` filled in. */
  readonly sink: string;
  readonly signals?: string;
  readonly topology: TopologyFlagOptions;
  /** Signals of the built-in rule: --signals without --model. */
  readonly ruleSignals?: SignalOptions;
  readonly partitions: number;
  readonly commitEvery: number;
  readonly from: number;
  readonly to: number;
  readonly onError: 'fail' | 'skip';
  readonly hdfs: HdfsSettings;
  readonly mode: OutputMode;
  readonly deadLetter: string;
  readonly stateDir: string;
  readonly stopAfter?: number;
  readonly shard?: Shard;
}

function backfillJob(s: BackfillSettings): BackfillJob {
  if (!s.source.length) throw new UsageError('--source is required: a CSV or Parquet file, or a directory');
  if (!s.sink) throw new UsageError('--sink is required: parquet:DIR, jsonl:FILE or -');
  const topology = topologyFlagOptions(s);
  externalFileNames(s.external);
  if (s.model && !s.signals) throw new UsageError('--model needs --signals URI: where the scored signals go');
  const ruleSignals: SignalOptions | undefined =
    s.signals && !s.model ? { signalIntervals: signalIntervals(s['signal-intervals'], topology.candles.intervals) } : undefined;
  const partitions = wholeNumber(s.partitions, '--partitions', 1, PARTITIONS_LIMIT);
  const shard = s.tasks === undefined ? undefined : tasksFlag(s.tasks, partitions);
  const commitEvery = wholeNumber(s['commit-every'], '--commit-every', 1, COMMIT_EVERY_LIMIT);
  const from = s.from === undefined ? -Infinity : timeFlag(s.from, '--from');
  const to = s.to === undefined ? Infinity : timeFlag(s.to, '--to');
  if (from >= to) throw new UsageError(`--from ${s.from} is not before --to ${s.to}: no candle has from ≤ ts < to`);
  const onError = s['on-error'];
  if (onError !== 'fail' && onError !== 'skip') throw new UsageError(`--on-error must be fail or skip, not "${onError}"`);
  const hdfs = hdfsSettings(s);
  const mode = s.mode as OutputMode;
  if (!OUTPUT_MODES.includes(mode)) throw new UsageError(`--mode must be error, append or overwrite, not "${s.mode}"`);
  const sink = shardSink(s.sink, '--sink', shard);
  const signals = s.signals === undefined ? undefined : shardSink(s.signals, '--signals', shard);
  const deadLetter = shardSink(s['dead-letter'] ?? (shard ? DEFAULT_SHARD_DEAD_LETTER : DEFAULT_DEAD_LETTER), '--dead-letter', shard);
  refuseOverlaps(s, sink, signals, deadLetter);
  const stopAfter = s['stop-after'] === undefined ? undefined : wholeNumber(s['stop-after'], '--stop-after');
  const stateDir = s['state-dir'] ?? defaultStateDir(s.sink);
  return {
    s,
    sink,
    signals,
    topology,
    ruleSignals,
    partitions,
    commitEvery,
    from,
    to,
    onError,
    hdfs,
    mode,
    deadLetter,
    // Each shard its own checkpoint and stores, even when the shards share a --state-dir.
    stateDir: shard ? join(stateDir, shardName(shard)) : stateDir,
    stopAfter,
    shard,
  };
}

/**
 * A sink's URI for this shard: `{shard}` becomes `shard-I-of-N`. A JSONL file is written by one
 * process, so with --tasks it must name the shard; a Parquet dataset is shared (each shard its own files).
 */
function shardSink(uri: string, flag: string, shard: Shard | undefined): string {
  const named = uri.includes('{shard}');
  if (named && !shard) throw new UsageError(`${flag} ${uri}: {shard} is filled in for a shard of --tasks I/N; there is no --tasks`);
  if (shard && !named && sinkPlace(uri, flag).format === 'jsonl' && uri !== '-') {
    throw new UsageError(
      `${flag} ${uri}: with --tasks every shard writes its own JSONL file; put {shard} in the name (e.g. jsonl:dead-letter.{shard}.jsonl)`,
    );
  }
  return shard ? uri.replaceAll('{shard}', shardName(shard)) : uri;
}

/** No sink may share a place with another sink or with a source. */
function refuseOverlaps(s: BackfillSettings, sink: string, signals: string | undefined, deadLetter: string): void {
  const sinkFlags: [flag: string, uri: string | undefined][] = [
    ['--sink', sink],
    ['--signals', signals],
    ['--dead-letter', deadLetter],
  ];
  const sinkPlaces: FlagLocation[] = [];
  for (const [flag, uri] of sinkFlags) {
    const target = uri === undefined ? undefined : sinkPlace(uri, flag);
    if (target?.location === undefined) continue;
    if (target.format === 'jsonl') refuseSpecialJsonlFile(flag, target.location);
    sinkPlaces.push({ flag: `${flag} ${uri}`, location: target.location });
  }
  const sourcePlaces = [
    ...s.source.map((location) => ({ flag: `--source ${location}`, location })),
    ...s.external.map((spec) => ({ flag: `--external ${spec}`, location: externalSpec(spec).path })),
  ];
  refuseSinkOverlaps(sinkPlaces, sourcePlaces);
}

/** `--model`: the model, the signals it gives, and the candles it could not score, counted by reason. */
interface ModelScoring {
  readonly models: ModelDirectory;
  readonly signals: SignalOptions;
  readonly unscored: Map<string, number>;
}

async function modelScoring(job: BackfillJob, externalSignals: string[]): Promise<ModelScoring> {
  const unscored = new Map<string, number>();
  const log = (level: string, message: string) => job.s.quiet || process.stderr.write(`${level === 'error' ? 'error: ' : ''}${message}\n`);
  const onUnscored = (reason: string) => unscored.set(reason, (unscored.get(reason) ?? 0) + 1);
  const fit = { ...job.topology, externalSignals };
  const { models, signals } = await useModel(job.s.model!, fit, job.s['signal-intervals'], { pollMs: 0, log, onUnscored });
  return { models, signals, unscored };
}

function backfillWriters(job: BackfillJob, market: MarketTopologyOptions): Map<string, OutputWriter> {
  const { hdfs, mode } = job;
  // A shard's Parquet files carry its index: N shards write one dataset, never the same file.
  const bucket = job.shard?.index;
  const writers = new Map<string, OutputWriter>([
    [NODES.features, sink(job.sink, featureColumns(market), '--sink', { hdfs, mode, bucket })],
    // The default file collects every run's dead letters: two backfills in one directory just work.
    [DEAD_LETTER, sink(job.deadLetter, undefined, '--dead-letter', { hdfs, mode: job.s['dead-letter'] === undefined ? 'append' : mode })],
  ]);
  const signalColumns = SIGNAL_COLUMNS.map((name): ColumnSpec => ({ name, type: SIGNAL_COLUMN_TYPES[name] }));
  if (job.signals) writers.set(NODES.signals, sink(job.signals, signalColumns, '--signals', { hdfs, mode, bucket }));
  return writers;
}

/** The candle files; with --on-error skip, those that cannot be read are named in `skipped` (and on stderr). */
function candleInputs(job: BackfillJob, skipped: string[]): Promise<BoundedInput[]> {
  const { s, from, to, hdfs, onError, shard, partitions } = job;
  const onSkip = (message: string) => {
    skipped.push(message);
    if (!s.quiet) process.stderr.write(`backfill: ${message}\n`);
  };
  // A shard reads only its symbols' symbol=… directories; rows of files not so split are skipped by the runner.
  const symbolOwned = shard && ((symbol: string) => ownsSymbol(shard, symbol, partitions));
  return candleFileInputs(s.source, {
    symbol: s.symbol,
    exchange: s.exchange,
    from,
    to,
    source: NODES.prices,
    hdfs,
    onError,
    onSkip,
    symbolOwned,
  });
}

/**
 * What makes a run the same job: a run resumes a checkpoint only if its fingerprint is the one it
 * started with. The shards' fingerprint is the same without the inputs (each shard reads its own files).
 */
async function jobFingerprints(
  job: BackfillJob,
  market: MarketTopologyOptions,
  inputs: BoundedInput[],
  scoring: ModelScoring | undefined,
): Promise<{ fingerprint: string; shardsFingerprint: string }> {
  const { partitions, from, to } = job;
  const { symbol, exchange, sink, signals } = job.s;
  const model = scoring?.models.current();
  const fingerprint = createHash('sha256');
  const modelId = model && { name: model.name, version: model.version, dir: model.dir };
  // The keys in this order: another order would make every earlier checkpoint another job's.
  fingerprint.update(JSON.stringify({ market, partitions, from, to, symbol, exchange, sink, signals, model: modelId }));
  fingerprint.update(`feature layout ${FEATURE_LAYOUT_VERSION}`);
  // A resumed run must score with the very model (and manifest) it started with.
  if (model) for (const file of [MODEL_FILE, MANIFEST_FILE]) fingerprint.update(await readFile(join(model.dir, file)));
  const shardsFingerprint = fingerprint.copy().digest('hex');
  for (const input of inputs) fingerprint.update(await inputContent(input));
  return { fingerprint: fingerprint.digest('hex'), shardsFingerprint };
}

/** The summary; undefined when whoever read standard output had enough (`--sink - | head`): stop quietly, as other tools do. */
function replay(runner: BackfillRunner): Promise<BackfillSummary | undefined> {
  return runner.run().catch((e: unknown) => {
    if (e instanceof OutputRefused) throw new UsageError(e.message);
    if (e instanceof OutputClosed) return undefined;
    throw e;
  });
}

function report(summary: BackfillSummary, skipped: string[], scoring: ModelScoring | undefined, signals: boolean): void {
  const n = (x: number) => x.toLocaleString('en-US');
  const seconds = summary.elapsedMs / 1000;
  const counts = (m: Map<string, number>) => [...m].map(([reason, n]) => `${reason} ${n}`).join(', ');
  const model = scoring?.models.current();
  process.stderr.write(
    `backfill: ${n(summary.recordsIn)} records in, ${n(summary.written.get(NODES.features) ?? 0)} features out` +
      (signals ? `, ${n(summary.written.get(NODES.signals) ?? 0)} signals out` : '') +
      ` in ${seconds.toFixed(1)} s (${Math.round(summary.recordsIn / Math.max(seconds, 1e-3)).toLocaleString('en-US')} records/s)` +
      (summary.resumedFrom ? `, resumed after ${summary.resumedFrom.toLocaleString('en-US')}` : '') +
      (summary.otherShards ? `, ${n(summary.otherShards)} other shards' rows skipped` : '') +
      `; dead letters: ${counts(summary.deadLetters) || 'none'}` +
      (skipped.length ? `; ${skipped.length} file(s) skipped (--on-error skip)` : '') +
      (model ? `; scored with ${model.name} v${model.version}, not scored: ${counts(scoring!.unscored) || 'none'}` : '') +
      `; peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB\n`,
  );
}

const DEFAULT_DEAD_LETTER = 'jsonl:dead-letter.jsonl';
const DEFAULT_SHARD_DEAD_LETTER = 'jsonl:dead-letter.{shard}.jsonl';

function sinkPlace(uri: string, flag: string): SinkTarget {
  try {
    return sinkTarget(uri);
  } catch (e) {
    throw new UsageError(`${flag}: ${(e as Error).message}`);
  }
}

function sink(uri: string, columns: readonly (string | ColumnSpec)[] | undefined, flag: string, options: SinkOptions): OutputWriter {
  try {
    return parseSinkUri(uri, columns, options);
  } catch (e) {
    throw new UsageError(`${flag}: ${(e as Error).message}`);
  }
}
