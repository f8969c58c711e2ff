import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DEAD_LETTER, type BuiltTopology, type SinkNode } from '../topology/Topology.ts';
import type { OutputMode, OutputWriter } from '../io/OutputWriter.ts';
import { parseSinkUri } from '../io/parseSinkUri.ts';
import { NODES } from '../processors/nodeNames.ts';
import { SIGNAL_COLUMN_TYPES } from '../market/Signal.ts';
import type { ColumnSpec } from '../io/parquet/ColumnBuffer.ts';
import { BackfillRunner, type BackfillSummary } from './BackfillRunner.ts';
import { inputContent, type BoundedInput } from './BoundedInput.ts';
import { candleFileInputs } from './candleFileInput.ts';
import { externalSignalInput } from './externalSignalInput.ts';

/** What `replay` needs: a topology, its inputs, where each sink's records go, and a state directory. */
export interface ReplayOptions {
  topology: BuiltTopology;
  /** In tie-break order: at equal event time, earlier inputs go first (external signals before candles). */
  inputs: readonly BoundedInput[];
  /** Sink name → a sink URI (parquet:DIR, jsonl:FILE or -) or your own writer; every sink of the topology needs one. */
  sinks: Readonly<Record<string, string | OutputWriter>>;
  /** Rejected records with their reason (default jsonl:<stateDir>/dead-letter.jsonl). */
  deadLetters?: string | OutputWriter;
  /** Stores and checkpoint: a replay of the same job that was interrupted resumes from its last commit. */
  stateDir: string;
  /** What a fresh start does with what a sink URI's location already holds (default error). */
  mode?: OutputMode;
  /** Discard any checkpoint and state first. */
  fresh?: boolean;
  /**
   * What else makes this job this job (e.g. your processors' options as JSON): a checkpoint is resumed
   * only by a replay of the same topology shape, inputs, sinks, partitions and `job`.
   */
  job?: string;
  /** Tasks, one per partition (default 4). */
  partitions?: number;
  /** Records between commits (default 200000). */
  commitEvery?: number;
  onProgress?: (done: number, total: number | undefined) => void;
}

/**
 * Replays bounded inputs through a topology into its sinks (the backfill runner, as `candlestream
 * backfill` runs it): in event-time order, partitioned as live, committed as it goes. A sink URI's
 * Parquet columns are the sink's `reads` (signal columns typed as `backfill --signals` types them). Throws naming a sink without an output, or an output
 * without a sink.
 */
export async function replay(options: ReplayOptions): Promise<BackfillSummary> {
  const { topology, stateDir } = options;
  const sinkNodes = topology.nodes.filter((n): n is SinkNode => n.kind === 'sink');
  for (const name of Object.keys(options.sinks))
    if (!sinkNodes.some((n) => n.name === name)) throw new Error(`replay: "${name}" is not a sink of this topology`);
  const writers = new Map<string, OutputWriter>();
  for (const node of sinkNodes) {
    const sink = options.sinks[node.name];
    if (sink === undefined) throw new Error(`replay: sink "${node.name}" has no output: name one in \`sinks\``);
    writers.set(node.name, typeof sink === 'string' ? parseSinkUri(sink, columnSpecs(node.reads), { mode: options.mode }) : sink);
  }
  const deadLetters = options.deadLetters ?? `jsonl:${join(stateDir, 'dead-letter.jsonl')}`;
  writers.set(DEAD_LETTER, typeof deadLetters === 'string' ? parseSinkUri(deadLetters, undefined, { mode: options.mode }) : deadLetters);
  const partitions = options.partitions ?? 4;
  const runner = new BackfillRunner({
    topology,
    inputs: [...options.inputs],
    writers,
    partitions,
    stateDir,
    commitEvery: options.commitEvery ?? 200_000,
    fingerprint: await replayFingerprint(options, partitions),
    fresh: options.fresh,
    onProgress: options.onProgress,
  });
  return runner.run();
}

/** A sink's Parquet columns: a signal column typed as the signals sink types it, any other as parseSinkUri types a feature column. */
function columnSpecs(columns: readonly string[]): (string | ColumnSpec)[] {
  const types: Record<string, ColumnSpec['type']> = SIGNAL_COLUMN_TYPES;
  return columns.map((name) => (Object.hasOwn(types, name) ? { name, type: types[name] } : name));
}

/** The job's identity: its inputs (and their content), sinks and partitions. A checkpoint of another job is refused. */
async function replayFingerprint(options: ReplayOptions, partitions: number): Promise<string> {
  const hash = createHash('sha256');
  const sinks = Object.entries(options.sinks).map(([name, sink]) => [name, typeof sink === 'string' ? sink : 'writer']);
  const { topology, job } = options;
  const nodes = topology.nodes.map((n) => [n.kind, n.name, n.parents, [...topology.fields.get(n.name)!]]);
  hash.update(JSON.stringify({ nodes, stores: [...topology.stores.keys()], sinks, partitions, job }));
  for (const input of options.inputs) hash.update(`${input.source} ${await inputContent(input)}`);
  return hash.digest('hex');
}

/** Options for `candleFiles`. */
export interface CandleFilesOptions {
  /** Symbol for files without a symbol column (default: from the path or file name). */
  symbol?: string;
  /** Exchange for rows without one. */
  exchange?: string;
  /** Only candles with from ≤ ts < to, epoch ms. */
  from?: number;
  to?: number;
  /** The topology source they enter through (default the market topology's `prices`). */
  source?: string;
}

/** Candle history as replay inputs: CSV or Parquet files, or directories of them, as `backfill --source` reads them. */
export function candleFiles(locations: readonly string[], options: CandleFilesOptions = {}): Promise<BoundedInput[]> {
  const { from = -Infinity, to = Infinity, source = NODES.prices, symbol, exchange } = options;
  return candleFileInputs(locations, { from, to, source, symbol, exchange });
}

/**
 * External signals (e.g. a fear & greed index) from a CSV file, as `backfill --external name=FILE`
 * reads them: the signal becomes the `ext_<name>` column (name it in the market options' externalSignals).
 */
export function externalSignalFile(name: string, path: string, source: string = NODES.external): BoundedInput {
  return externalSignalInput({ name, path }, source);
}
