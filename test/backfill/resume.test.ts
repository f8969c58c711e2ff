import { mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { BackfillRunner } from '../../backfill/BackfillRunner.ts';
import { candleFileInputs } from '../../backfill/candleFileInput.ts';
import { externalSignalInput } from '../../backfill/externalSignalInput.ts';
import { parseSinkUri } from '../../io/parseSinkUri.ts';
import { DEAD_LETTER } from '../../topology/Topology.ts';
import { buildMarketTopology, defaultMarketOptions, featureColumns } from '../../processors/marketTopology.ts';

const data = new URL('../../data/', import.meta.url).pathname;
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A backfill of the sample data to JSONL and Parquet; `stopAfter` kills it (no final commit) midway. */
async function backfill(work: string, stopAfter?: number, commitEvery = 7_000) {
  const market = defaultMarketOptions({ externalSignals: ['fear_greed'] });
  const writers = new Map([
    ['features', parseSinkUri(`jsonl:${join(work, 'features.jsonl')}`)],
    [DEAD_LETTER, parseSinkUri(`jsonl:${join(work, 'dead.jsonl')}`)],
  ]);
  const parquet = new Map([
    ['features', parseSinkUri(`parquet:${join(work, 'features')}`, featureColumns(market))],
    [DEAD_LETTER, parseSinkUri(`jsonl:${join(work, 'dead2.jsonl')}`)],
  ]);
  const candles = await candleFileInputs([join(data, 'candles')], { from: -Infinity, to: Infinity, source: 'prices' });
  const external = externalSignalInput({ name: 'fear_greed', path: join(data, 'external/fear_and_greed_index_daily.csv') }, 'external');
  const run = (w: Map<string, ReturnType<typeof parseSinkUri>>, stateDir: string) =>
    new BackfillRunner({
      topology: buildMarketTopology(market),
      inputs: [external, ...candles],
      writers: w,
      partitions: 3,
      stateDir,
      commitEvery,
      fingerprint: 'test',
      stopAfter,
    }).run();
  const summary = await run(writers, join(work, 'state-jsonl'));
  await run(parquet, join(work, 'state-parquet'));
  return summary;
}

describe('backfill', () => {
  it('killed midway, resumes from its checkpoint to the same output as an uninterrupted run', async () => {
    const whole = await mkdtemp(join(tmpdir(), 'cs-whole-'));
    const broken = await mkdtemp(join(tmpdir(), 'cs-broken-'));
    dirs.push(whole, broken);
    await backfill(whole);
    // Killed three times at arbitrary points (none on a commit boundary), then allowed to finish.
    const resumedFrom = [];
    for (const stop of [10_001, 25_555, 51_234]) resumedFrom.push((await backfill(broken, stop)).resumedFrom);
    resumedFrom.push((await backfill(broken)).resumedFrom);
    // Each run after the first started from the last commit before the previous kill.
    expect(resumedFrom).toEqual([0, 7_000, 21_000, 49_000]);
    const expected = await readFile(join(whole, 'features.jsonl'), 'utf8');
    expect(expected.split('\n').length).toBeGreaterThan(70_000);
    expect(await readFile(join(broken, 'features.jsonl'), 'utf8')).toBe(expected);

    // The Parquet dataset, read back by DuckDB, holds exactly the JSONL rows: no loss, no duplicate (ts, a TIMESTAMP, as epoch ms).
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const query = async (dir: string) =>
      (
        await con.runAndReadAll(`
      SELECT symbol, "interval", epoch_ms(ts) AS ts, close, sma_50, rsi_14, macd_hist, bb_lower, vwap, atr_14, ext_fear_greed
      FROM read_parquet('${dir}/features/**/*.parquet', hive_partitioning = true) ORDER BY "interval", symbol, ts`)
      ).getRowObjectsJson();
    const fromParquet = await query(broken);
    expect(fromParquet).toEqual(await query(whole));
    const fromJsonl = expected
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .sort((a, b) => a.interval.localeCompare(b.interval) || a.symbol.localeCompare(b.symbol) || a.ts - b.ts)
      .map((r) => ({
        symbol: r.symbol,
        interval: r.interval,
        ts: String(r.ts),
        close: r.close,
        sma_50: r.sma_50,
        rsi_14: r.rsi_14,
        macd_hist: r.macd_hist,
        bb_lower: r.bb_lower,
        vwap: r.vwap,
        atr_14: r.atr_14,
        ext_fear_greed: r.ext_fear_greed,
      }));
    expect(fromParquet).toEqual(fromJsonl);
    con.closeSync();
  });

  it('stores that are ahead of any checkpoint (killed before the checkpoint of its first commit) are wiped, not replayed on top of', async () => {
    const whole = await mkdtemp(join(tmpdir(), 'cs-whole-'));
    const broken = await mkdtemp(join(tmpdir(), 'cs-broken-'));
    dirs.push(whole, broken);
    await backfill(whole);
    // The first commit reached the stores; its checkpoint never reached the disk.
    await backfill(broken, 10_001);
    await unlink(join(broken, 'state-jsonl/checkpoint.json'));
    await backfill(broken);
    expect(await readFile(join(broken, 'features.jsonl'), 'utf8')).toBe(await readFile(join(whole, 'features.jsonl'), 'utf8'));
    // No dead letters: neither run leaves a dead-letter file.
    const deadLetters = (dir: string) => readFile(join(dir, 'dead.jsonl'), 'utf8').catch(() => 'no file');
    expect(await deadLetters(broken)).toBe(await deadLetters(whole));
  });
});
