import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll } from 'vitest';
import { cli, stopAllServices } from './processes.ts';
import { createTopics } from '../../live/createTopics.ts';
import { readTopic } from './readTopic.ts';

export const root = new URL('../../', import.meta.url).pathname;
export const sampleCandles = join(root, 'data/candles');
export const fearGreed = join(root, 'data/external/fear_and_greed_index_daily.csv');

/** Topic names, app id and a work directory of one test's own, so tests never see each other's data. */
export async function testWorld(brokers: string) {
  const id = randomUUID().slice(0, 8);
  const work = await mkdtemp(join(tmpdir(), `cs-live-${id}-`));
  const topics = {
    prices: `prices-${id}`,
    external: `external-${id}`,
    signals: `signals-${id}`,
    features: `features-${id}`,
    deadLetter: `dead-letter-${id}`,
  };
  /** `state`: the instance's own state directory; two instances of one application need two. */
  const serviceArgs = (extra: string[] = [], { features = true, state = 'state' } = {}) => [
    '--brokers',
    brokers,
    '--app-id',
    `app-${id}`,
    '--input',
    topics.prices,
    '--external',
    topics.external,
    '--output',
    topics.signals,
    ...(features ? ['--features-topic', topics.features] : []),
    '--dead-letter-topic',
    topics.deadLetter,
    '--state-dir',
    join(work, state),
    '--metrics-port',
    '0',
    '--session-timeout-ms',
    '6000',
    ...extra,
  ];
  return {
    id,
    work,
    topics,
    serviceArgs,
    /** The input topics, made before a service starts (it refuses to start without them). */
    async createInputTopics(partitions = 4) {
      const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      await createTopics(admin, [
        { topic: topics.prices, numPartitions: partitions },
        { topic: topics.external, numPartitions: 1 },
      ]);
      await admin.disconnect();
    },
    async publish(args: string[]) {
      const r = await cli([
        'publish',
        '--brokers',
        brokers,
        '--topic',
        topics.prices,
        '--external-topic',
        topics.external,
        '--quiet',
        ...args,
      ]);
      if (r.code !== 0) throw new Error(`publish failed (${r.code}): ${r.stderr}`);
    },
    /** What backfill makes of the same input: the reference a live run must equal. */
    async backfill(args: string[]): Promise<{ features: Row[]; signals: Row[] }> {
      const dir = join(work, `backfill-${randomUUID().slice(0, 4)}`);
      const r = await cli([
        'backfill',
        '--fresh',
        '--quiet',
        '--state-dir',
        join(dir, 'state'),
        '--sink',
        `jsonl:${dir}/features.jsonl`,
        '--signals',
        `jsonl:${dir}/signals.jsonl`,
        '--dead-letter',
        `jsonl:${dir}/dead.jsonl`,
        ...args,
      ]);
      if (r.code !== 0) throw new Error(`backfill failed (${r.code}): ${r.stderr}`);
      const read = async (f: string) =>
        (await readFile(join(dir, f), 'utf8'))
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Row);
      return { features: await read('features.jsonl'), signals: await read('signals.jsonl') };
    },
    async read(topic: string, options: { readUncommitted?: boolean } = {}): Promise<Row[]> {
      return (await readTopic([brokers], topic, options)).map((m) => JSON.parse(m.value!.toString()) as Row);
    },
    async cleanUp() {
      await rm(work, { recursive: true, force: true });
    },
  };
}

/**
 * For a test file: `newWorld()` gives each test a world of its own; after the file's tests every
 * service left running is killed and every world's directory removed.
 */
export function worldsFor(brokers: string): () => Promise<Awaited<ReturnType<typeof testWorld>>> {
  const worlds: Awaited<ReturnType<typeof testWorld>>[] = [];
  afterAll(async () => {
    await stopAllServices();
    for (const w of worlds) await w.cleanUp();
  });
  return async () => {
    const w = await testWorld(brokers);
    worlds.push(w);
    return w;
  };
}

export type Row = Record<string, unknown> & { symbol: string; interval: string; ts: number };

export const byKey = (a: Row, b: Row) => a.symbol.localeCompare(b.symbol) || a.interval.localeCompare(b.interval) || a.ts - b.ts;

/**
 * Backfill closes every open window at the end of its input; a live service waits for the next
 * candle. So the live output is the backfill output without the last window of each symbol and interval.
 */
export function withoutLastWindows(rows: Row[]): Row[] {
  const last = new Map<string, number>();
  for (const r of rows) last.set(`${r.symbol}|${r.interval}`, Math.max(last.get(`${r.symbol}|${r.interval}`) ?? -Infinity, r.ts));
  return rows.filter((r) => r.ts !== last.get(`${r.symbol}|${r.interval}`)).sort(byKey);
}

/**
 * Deterministic 1m candles for `symbols` symbols (a seeded random walk each), one CSV per symbol:
 * enough symbols to spread over every partition.
 */
export async function writeSyntheticCandles(dir: string, symbols: number, minutes: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let s = 0; s < symbols; s++) {
    const lines = ['open_time,open,high,low,close,volume'];
    let close = 100 + s;
    for (let m = 0; m < minutes; m++) {
      const open = close;
      close = open * (1 + (random() - 0.5) * 0.004);
      const high = Math.max(open, close) * (1 + random() * 0.001);
      const low = Math.min(open, close) * (1 - random() * 0.001);
      lines.push(
        `${1677628800000 + m * 60_000},${open.toFixed(4)},${high.toFixed(4)},${low.toFixed(4)},${close.toFixed(4)},${(random() * 5).toFixed(3)}`,
      );
    }
    await writeFile(join(dir, `SYM${String.fromCharCode(65 + s)}USDT_1m.csv`), lines.join('\n') + '\n');
  }
  return dir;
}

/** Rows one side has and the other lacks (a few of each): a readable failure instead of a 40,000-row diff. */
export function difference(actual: Row[], expected: Row[]) {
  const text = (r: Row) => JSON.stringify(r);
  const count = (rows: Row[]) => {
    const m = new Map<string, number>();
    for (const r of rows) m.set(text(r), (m.get(text(r)) ?? 0) + 1);
    return m;
  };
  const a = count(actual);
  const e = count(expected);
  const over = (x: Map<string, number>, y: Map<string, number>) =>
    [...x].filter(([k, n]) => n > (y.get(k) ?? 0)).map(([k, n]) => `${n - (y.get(k) ?? 0)}× ${k.slice(0, 200)}`);
  return { extra: over(a, e).slice(0, 5), missing: over(e, a).slice(0, 5) };
}

/** The rows of writeSyntheticCandles' files, with their symbol, in time order across files: a feed. */
export async function syntheticRows(dir: string) {
  const rows: { symbol: string; open_time: number; open: number; high: number; low: number; close: number; volume: number }[] = [];
  for (const file of (await readdir(dir)).sort()) {
    const symbol = file.split('_')[0];
    const [, ...lines] = (await readFile(join(dir, file), 'utf8')).trim().split('\n');
    for (const line of lines) {
      const [open_time, open, high, low, close, volume] = line.split(',').map(Number);
      rows.push({ symbol, open_time, open, high, low, close, volume });
    }
  }
  return rows.sort((a, b) => a.open_time - b.open_time);
}
