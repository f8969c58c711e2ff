import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { writeSyntheticCandles } from '../../bench/syntheticCandles.ts';
import { candleFileInputs } from '../../backfill/candleFileInput.ts';
import { ownsSymbol } from '../../backfill/Shard.ts';
import { partitionFor } from '../../topology/partitioner.ts';
import { normalizeSymbol } from '../../market/normalizeSymbol.ts';

// `backfill --tasks I/N`: N shards run one after another into one sink give what one process gives.
const cli = new URL('../../cli/candlestream.ts', import.meta.url).pathname;
const SYMBOLS = 40;
const PARTITIONS = 8;
const SHARDS = 4;
let dir: string;
let con: DuckDBConnection;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-shards-'));
  // 40 symbols × 1,600 minutes (two UTC days), with faults Clean rejects: a dead letter in every shard.
  await writeSyntheticCandles(join(dir, 'clean.parquet'), SYMBOLS, 1_600);
  con = await (await DuckDBInstance.create(':memory:')).connect();
  const faulty = `SELECT symbol, ts, open, high, low, close, CASE WHEN ts % 997 = 0 THEN -1 ELSE volume END AS volume,
                         strftime(make_timestamp(ts * 1000), '%Y-%m-%d') AS date
                  FROM read_parquet('${dir}/clean.parquet')`;
  // The import layout, symbol=…/date=…/ (the partition columns in the path only), and the same rows in one file.
  await con.run(`COPY (${faulty}) TO '${dir}/history' (FORMAT parquet, PARTITION_BY (symbol, date))`);
  await con.run(`COPY (SELECT * EXCLUDE (date) FROM (${faulty}) ORDER BY ts, symbol) TO '${dir}/history.parquet' (FORMAT parquet)`);
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Runs the CLI; throws with its stderr unless it exits 0. */
function candlestream(source: string, sink: string, deadLetter: string, ...args: string[]): string {
  const r = spawnSync(
    process.execPath,
    [
      cli,
      'backfill',
      '--source',
      source,
      '--sink',
      `parquet:${sink}`,
      '--dead-letter',
      `jsonl:${deadLetter}`,
      '--intervals',
      '1m,1h',
      '--partitions',
      String(PARTITIONS),
      '--commit-every',
      '4000',
      ...args,
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`backfill ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stderr;
}

/** Rows of a dataset in one and not the other (both ways, as multisets), and each side's count. */
async function compare(one: string, union: string) {
  const rows = (d: string) => `SELECT * FROM read_parquet('${d}/**/*.parquet', hive_partitioning = true, union_by_name = true)`;
  const count = async (sql: string) => Number((await con.runAndReadAll(`SELECT count(*) FROM (${sql})`)).getRows()[0][0]);
  return {
    rows: await count(rows(one)),
    unionRows: await count(rows(union)),
    onlyInOne: await count(`${rows(one)} EXCEPT ALL ${rows(union)}`),
    onlyInUnion: await count(`${rows(union)} EXCEPT ALL ${rows(one)}`),
  };
}

const lines = async (...files: string[]) =>
  (await Promise.all(files.map((f) => readFile(f, 'utf8')))).flatMap((t) => t.split('\n').filter(Boolean)).sort();
const shardFiles = (pattern: (i: number) => string) => Array.from({ length: SHARDS }, (_, i) => pattern(i));

describe('backfill --tasks I/N', () => {
  it('symbol=… dataset: 4 shards (one killed midway and resumed, one re-run) equal one run, and read only their symbols', async () => {
    const source = join(dir, 'history');
    candlestream(source, join(dir, 'one-ds'), join(dir, 'one-ds.jsonl'), '--state-dir', join(dir, 'state-one-ds'));
    const shard = (i: number, ...more: string[]) =>
      candlestream(
        source,
        join(dir, 'shards-ds'),
        join(dir, 'ds-dead.{shard}.jsonl'),
        '--tasks',
        `${i}/${SHARDS}`,
        '--state-dir',
        join(dir, 'state-ds'),
        ...more,
      );
    const stderr: string[] = [];
    stderr.push(shard(0), shard(1));
    // Killed midway (as if SIGKILLed after its last commit), then resumed from its checkpoint.
    shard(2, '--stop-after', '9000');
    const resumed = shard(2);
    expect(resumed).toMatch(/resuming from checkpoint 2\b/);
    expect(resumed).toMatch(/resumed after 8,000/);
    stderr.push(resumed, shard(3));
    // A shard run again from scratch replaces its own files only.
    stderr.push(shard(0, '--fresh'));
    // Pruned by symbol= directory: no shard saw another shard's row.
    for (const text of stderr) expect(text).not.toMatch(/other shards' rows/);

    const result = await compare(join(dir, 'one-ds'), join(dir, 'shards-ds'));
    expect(result.rows).toBeGreaterThan(SYMBOLS * 1_600);
    expect(result).toEqual({ rows: result.rows, unionRows: result.rows, onlyInOne: 0, onlyInUnion: 0 });
    // Every shard wrote its own bucket's files, under one run id.
    const names = (await readdir(join(dir, 'shards-ds'), { recursive: true })).filter((n) => n.endsWith('.parquet'));
    const buckets = new Set(names.map((n) => /part-b(\d+)-/.exec(n)?.[1]));
    expect([...buckets].sort()).toEqual(['0', '1', '2', '3']);
    expect(new Set(names.map((n) => /-([0-9a-f]+)\.parquet$/.exec(n)![1])).size).toBe(1);

    const dead = await lines(join(dir, 'one-ds.jsonl'));
    expect(dead.length).toBeGreaterThan(SHARDS);
    expect(await lines(...shardFiles((i) => join(dir, `ds-dead.shard-${i}-of-${SHARDS}.jsonl`)))).toEqual(dead);
  }, 300_000);

  it('one file: each shard skips the rows of the others, and 4 shards equal one run', async () => {
    const source = join(dir, 'history.parquet');
    candlestream(source, join(dir, 'one-file'), join(dir, 'one-file.jsonl'), '--state-dir', join(dir, 'state-one-file'));
    let skipped = 0;
    for (let i = 0; i < SHARDS; i++) {
      const text = candlestream(source, join(dir, 'shards-file'), join(dir, 'file-dead.{shard}.jsonl'), '--tasks', `${i}/${SHARDS}`);
      const n = /([\d,]+) other shards' rows skipped/.exec(text);
      expect(n, text).not.toBeNull();
      skipped += Number(n![1].replace(/,/g, ''));
    }
    // Each row is read by all four shards and processed by one: skipped by the three others.
    const rows = Number((await con.runAndReadAll(`SELECT count(*) FROM read_parquet('${source}')`)).getRows()[0][0]);
    expect(skipped).toBe(rows * (SHARDS - 1));
    const result = await compare(join(dir, 'one-file'), join(dir, 'shards-file'));
    expect(result).toEqual({ rows: result.rows, unionRows: result.rows, onlyInOne: 0, onlyInUnion: 0 });
    expect(result.rows).toBeGreaterThan(SYMBOLS * 1_600);
    const dead = await lines(join(dir, 'one-file.jsonl'));
    expect(dead.length).toBeGreaterThan(SHARDS);
    expect(await lines(...shardFiles((i) => join(dir, `file-dead.shard-${i}-of-${SHARDS}.jsonl`)))).toEqual(dead);
  }, 300_000);

  it("opens only its own symbols' directories: the shards' inputs split the dataset's", async () => {
    const source = join(dir, 'history');
    const options = { from: -Infinity, to: Infinity, source: 'prices' };
    const symbolOf = (id: string) => normalizeSymbol(/symbol=([^/]+)/.exec(id)![1])!;
    const all = (await candleFileInputs([source], options)).map((input) => input.id);
    expect(all).toHaveLength(SYMBOLS);
    const owned: string[] = [];
    for (let index = 0; index < SHARDS; index++) {
      const shard = { index, count: SHARDS };
      const ids = (await candleFileInputs([source], { ...options, symbolOwned: (s) => ownsSymbol(shard, s, PARTITIONS) })).map((i) => i.id);
      for (const id of ids) expect(partitionFor(symbolOf(id), PARTITIONS) % SHARDS).toBe(index);
      owned.push(...ids);
    }
    expect(owned.sort()).toEqual([...all].sort());
  });

  it('refuses a JSONL file sink without {shard}, and {shard} without --tasks, naming the flag', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [cli, 'backfill', '--source', join(dir, 'history'), ...args], { cwd: dir, encoding: 'utf8' });
    const noShard = run('--sink', 'jsonl:out.jsonl', '--tasks', '0/2');
    expect(noShard.status).toBe(2);
    expect(noShard.stderr).toMatch(/--sink jsonl:out\.jsonl: with --tasks every shard writes its own JSONL file; put \{shard\}/);
    const noTasks = run('--sink', 'parquet:out', '--dead-letter', 'jsonl:dead.{shard}.jsonl');
    expect(noTasks.status).toBe(2);
    expect(noTasks.stderr).toMatch(/--dead-letter jsonl:dead\.\{shard\}\.jsonl: \{shard\} .* there is no --tasks/);
    const tooMany = run('--sink', 'parquet:out', '--tasks', '0/5', '--partitions', '4');
    expect(tooMany.status).toBe(2);
    expect(tooMany.stderr).toMatch(/--tasks 0\/5/);
  });
});
