import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTopics } from '../../live/createTopics.ts';
import { digest, forEachPoint, leftovers } from '../crash/crashPoints.ts';
import { eventually } from './processes.ts';

/**
 * Kills a small archive (two partitions, several rolls each) at every file-system mutation it makes,
 * starts it again, and compares with an archive that was never interrupted: the same rows (file
 * names carry offsets, and which offsets a roll holds depends on timing), every (partition, offset)
 * exactly once, nothing left in staging, somebody else's file beside the dataset untouched.
 */
const brokers = inject('brokers');
const preload = new URL('../crash/injectFaults.ts', import.meta.url).pathname;
const cliPath = new URL('../../cli/candlestream.ts', import.meta.url).pathname;
const id = randomUUID().slice(0, 8);
const topic = `prices-crash-${id}`;
const PER_PARTITION = 30;
let root: string;
let admin: Admin;
let ends: number[];
/** Archives still running: a failed check leaves the other worker's, killed after the file. */
const running = new Set<ReturnType<typeof spawn>>();

/** `archive` with the fault injector watching `dir`; resolves once it has exited. */
function archive(dir: string, group: string, fault?: { at: number; mode: 'kill' | 'enospc' }, log?: string) {
  const args = [
    'archive',
    '--brokers',
    brokers,
    '--input',
    topic,
    '--group-id',
    group,
    '--dead-letter-topic',
    `dead-letter-${id}`,
    '--out',
    'lake',
    '--roll-bytes',
    '3000',
    '--roll-ms',
    '300',
    '--session-timeout-ms',
    '6000',
    '--log-level',
    'warn',
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, CANDLESTREAM_FAULTS_UNDER: dir };
  if (fault) Object.assign(env, { CANDLESTREAM_FAULT_AT: String(fault.at), CANDLESTREAM_FAULT: fault.mode });
  if (log) env.CANDLESTREAM_FAULTS_LOG = log;
  const child = spawn(process.execPath, ['--import', preload, cliPath, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.on('close', () => running.delete(child));
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => output };
}

/** Runs an archive until the group's committed offsets reach the end of both partitions, then stops it (SIGTERM). */
async function archiveToTheEnd(dir: string, group: string, log?: string) {
  // A killed archive stays a member until its session times out: only a member that was not there before counts.
  const before = new Set((await admin.describeGroups([group])).groups[0].members.map((m) => m.memberId));
  const run = archive(dir, group, undefined, log);
  // Caught up once it is a member of its group (so it has recovered what a crash left: the offsets may
  // be at the end already) and the group's offsets are at the end of both partitions.
  const caughtUp = eventually(
    async () => ({
      group: (await admin.describeGroups([group])).groups[0],
      committed: (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0].partitions,
    }),
    ({ group: g, committed }) =>
      g.state === 'Stable' &&
      g.members.some((m) => !before.has(m.memberId)) &&
      ends.every((end, p) => Number(committed.find((c) => c.partition === p)?.offset ?? -1) === end),
    120_000,
    `archive ${group} caught up`,
  );
  const exitedFirst = run.exited.then(({ code }) =>
    Promise.reject(new Error(`archive exited (${code}) first: ${run.output().slice(-2000)}`)),
  );
  await Promise.race([caughtUp, exitedFirst]);
  run.child.kill('SIGTERM');
  const { code } = await run.exited;
  expect(code, run.output().slice(-2000)).toBe(0);
}

interface ArchivedRow {
  symbol: string;
  date: string;
  ts: number;
  raw: string;
  kafka_partition: number;
  kafka_offset: number;
  kafka_timestamp: number;
}

/** The archive's visible rows as DuckDB reads them (Hive partitions as columns; times, TIMESTAMPTZ, as epoch ms), by partition and offset. */
async function rowsOf(dataset: string): Promise<ArchivedRow[]> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const reader = await con.runAndReadAll(
      `SELECT symbol, CAST(date AS VARCHAR) AS date, epoch_ms(ts) AS ts, raw, kafka_partition, kafka_offset,
              epoch_ms(kafka_timestamp) AS kafka_timestamp
       FROM read_parquet('${dataset}/symbol=*/date=*/*.parquet', hive_partitioning = true) ORDER BY kafka_partition, kafka_offset`,
    );
    return reader.getRowObjects().map(
      (r) =>
        ({
          ...r,
          ts: Number(r.ts),
          kafka_partition: Number(r.kafka_partition),
          kafka_offset: Number(r.kafka_offset),
          kafka_timestamp: Number(r.kafka_timestamp),
        }) as unknown as ArchivedRow,
    );
  } finally {
    con.closeSync();
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cs-crash-archive-'));
  admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await createTopics(admin, [{ topic, numPartitions: 2 }]);
  // Partition 0: two symbols across a UTC midnight (four files a roll at most); partition 1: one.
  const producer = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const start = Date.UTC(2024, 0, 1, 23, 45);
  const candle = (symbol: string, i: number) =>
    JSON.stringify({ symbol, ts: start + i * 60_000, open: 100 + i, high: 101 + i, low: 99 + i, close: 100.5 + i, volume: 1 + i });
  const messages = (partition: number, symbols: string[]) =>
    Array.from({ length: PER_PARTITION }, (_, i) => ({
      partition,
      key: symbols[i % symbols.length],
      value: candle(symbols[i % symbols.length], Math.floor(i / symbols.length)),
    }));
  await producer.send({ topic, messages: [...messages(0, ['BTCUSDT', 'ETHUSDT']), ...messages(1, ['SOLUSDT'])], acks: -1 });
  await producer.disconnect();
  ends = (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((p) => Number(p.high));
  expect(ends).toEqual([PER_PARTITION, PER_PARTITION]);
});
afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.disconnect();
  await rm(root, { recursive: true, force: true });
});

describe('archive interrupted at every file-system mutation', () => {
  let reference: ArchivedRow[];
  let points: string[];
  let notes: string;

  /** A directory of its own, with somebody else's file beside the dataset. */
  const fresh = async (name: string) => {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'NOTES.txt'), "not candlestream's\n");
    return dir;
  };

  beforeAll(async () => {
    const dir = await fresh('reference');
    notes = (await digest(dir))['NOTES.txt'];
    const log = join(root, 'reference.log');
    await archiveToTheEnd(dir, `archive-${id}-reference`, log);
    points = (await readFile(log, 'utf8')).trim().split('\n');
    reference = await rowsOf(join(dir, 'lake'));
    console.log(`archive: ${points.length} mutations in the reference run:\n${points.map((p) => p.replace(dir, '')).join('\n')}`);
    expect(reference).toHaveLength(2 * PER_PARTITION);
    expect(new Set(reference.map((r) => `${r.kafka_partition}:${r.kafka_offset}`)).size).toBe(2 * PER_PARTITION);
    expect(Object.keys(await digest(join(dir, 'lake'))).filter((f) => !f.startsWith('.')).length).toBeGreaterThan(5); // several rolls
  }, 180_000);

  /** The fault at mutation `at`, then a clean run to the end: the same rows as the reference, nothing left over. */
  async function check(at: number, mode: 'kill' | 'enospc') {
    const dir = await fresh(`${mode}-${at}`);
    const group = `archive-${id}-${mode}-${at}`;
    const where = `${mode} at ${points[at - 1]}`;
    const faulted = archive(dir, group, { at, mode });
    // Timing decides how rolls fall, so a run may make fewer mutations than the reference: stopped, it rolls the rest.
    const outcome = await Promise.race([faulted.exited, new Promise<undefined>((r) => setTimeout(r, 30_000))]);
    if (outcome === undefined) faulted.child.kill('SIGTERM');
    const { code, signal } = await faulted.exited;
    if (mode === 'kill' && signal !== 'SIGKILL') console.log(`${where}: not reached (${signal ?? 'exited'})`);
    if (mode === 'enospc') {
      // A full disk stops the archive with an error that says so, or (not reached) it ran to the SIGTERM.
      const stoppedByIt = faulted.output().includes('no space left on device');
      if (stoppedByIt) expect(code, where).not.toBe(0);
      else console.log(`${where}: not reached (exit ${code})`);
    }
    await archiveToTheEnd(dir, group);
    const rows = await rowsOf(join(dir, 'lake'));
    expect(rows, where).toEqual(reference);
    const files = await digest(dir);
    expect(
      Object.keys(files).filter((f) => f.startsWith('lake/.staging/')),
      where,
    ).toEqual([]);
    expect(leftovers(files), where).toEqual([]);
    expect(files['NOTES.txt'], where).toBe(notes);
    await rm(dir, { recursive: true, force: true });
  }

  it('killed at each one, then started again: every (partition, offset) once, the same rows, nothing left in staging', async () => {
    expect(points.length).toBeGreaterThan(40);
    const started = Date.now();
    await forEachPoint(points.length, 2, (at) => check(at, 'kill'));
    console.log(`archive: ${points.length} mutations, each killed and restarted in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }, 3_600_000);

  it('out of disk space at each one: stops with an error that says so, then started again, the same as never interrupted', async () => {
    const started = Date.now();
    await forEachPoint(points.length, 2, (at) => check(at, 'enospc'));
    console.log(
      `archive: ${points.length} mutations, each failed with ENOSPC and restarted in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
  }, 3_600_000);
});
