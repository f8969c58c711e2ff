import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BackfillRunner } from '../../backfill/BackfillRunner.ts';
import type { BoundedInput } from '../../backfill/BoundedInput.ts';
import type { OutputWriter } from '../../io/OutputWriter.ts';
import type { StreamRecord } from '../../topology/StreamRecord.ts';
import { DEAD_LETTER } from '../../topology/Topology.ts';
import { buildMarketTopology, defaultMarketOptions } from '../../processors/marketTopology.ts';
import { fuzzSettings } from '../fuzz/fuzzSettings.ts';
import { MIN, T0 } from '../processors/marketDriver.ts';
import { candleFileInputs } from '../../backfill/candleFileInput.ts';
import { messyParquet, messyRow } from './randomCandleParquet.ts';

/**
 * The backfill hands each task its records of a stretch as one batch: every sink gets what a run
 * passing each record to its task as it comes, depth first (recordAtATime), gets, in the same order
 * across tasks. Random symbols, dirty rows, external signals (records for every task), partitions,
 * commit and kill points.
 */

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Keeps what it is given, in order, as JSON (what a JSONL sink would write). */
function memoryWriter(lines: string[]): OutputWriter {
  return {
    write: (record: StreamRecord) => void lines.push(JSON.stringify([record.key, record.value, record.timestamp, record.headers])),
    commit: async () => lines.length,
    check: async () => {},
    resume: async () => {},
    close: async () => {},
  };
}

function input(id: string, source: string, records: StreamRecord[], broadcast = false): BoundedInput {
  return {
    id,
    source,
    broadcast,
    async *batches() {
      for (let i = 0; i < records.length; i += 50) yield records.slice(i, i + 50);
    },
    estimatedRecords: async () => records.length,
  };
}

const row = fc.record({
  symbol: fc.constantFrom('BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'ADAUSDT', 'bad symbol!'),
  minute: fc.integer({ min: 0, max: 400 }),
  close: fc.oneof(fc.double({ min: 1, max: 2, noNaN: true }), fc.constantFrom(50, -1, NaN)),
  volume: fc.oneof(fc.double({ min: 0, max: 10, noNaN: true }), fc.constant(-1)),
  ts: fc.constantFrom('epoch', 'iso', 'junk'),
});

const signal = fc.record({ minute: fc.integer({ min: 0, max: 400 }), value: fc.integer({ min: 0, max: 100 }), keyed: fc.boolean() });

describe('backfill in batches', () => {
  it('writes every sink as record-at-a-time does', async () => {
    const work = await mkdtemp(join(tmpdir(), 'cs-batches-'));
    dirs.push(work);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 300 }),
        fc.array(signal, { maxLength: 12 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 400 }),
        fc.option(fc.integer({ min: 1, max: 300 })),
        async (rows, signals, partitions, commitEvery, stopAfter) => {
          // Time order per input, as the sources give it (duplicates and late rows stay in).
          const candles = rows
            .map((r, i) => ({ r, i }))
            .sort((a, b) => a.r.minute - b.r.minute || a.i - b.i)
            .map(({ r, i }): StreamRecord => {
              const t = T0 + r.minute * MIN;
              const ts = r.ts === 'epoch' ? t : r.ts === 'iso' ? new Date(t).toISOString() : 'junk';
              const value = { symbol: r.symbol, ts, open: 1.5, high: Math.max(2, r.close), low: 1, close: r.close, volume: r.volume };
              const key = r.symbol === 'bad symbol!' ? r.symbol : r.symbol.replace('USDT', '-USDT');
              return { key, value, timestamp: t, headers: {}, position: { source: 'candles', partition: 0, offset: i } };
            });
          const external = signals
            .map((s, i) => ({ s, i }))
            .sort((a, b) => a.s.minute - b.s.minute || a.i - b.i)
            .map(({ s, i }): StreamRecord => {
              const symbol = s.keyed ? 'BTC-USDT' : undefined;
              const ts = T0 + s.minute * MIN;
              return {
                key: symbol ?? null,
                value: { name: 'fg', symbol, ts, value: s.value },
                timestamp: ts,
                headers: {},
                offset: i,
              } as StreamRecord;
            });
          const run = async (recordAtATime: boolean) => {
            const outputs = { features: [] as string[], signals: [] as string[], dead: [] as string[] };
            const market = defaultMarketOptions({ externalSignals: ['fg'], signalIntervals: ['1m', '5m'] });
            await new BackfillRunner({
              topology: buildMarketTopology(market),
              inputs: [input('external', 'external', external, true), input('candles', 'prices', candles)],
              writers: new Map([
                ['features', memoryWriter(outputs.features)],
                ['signals', memoryWriter(outputs.signals)],
                [DEAD_LETTER, memoryWriter(outputs.dead)],
              ]),
              partitions,
              stateDir: join(work, `${n}-${recordAtATime}`),
              commitEvery,
              fingerprint: 'batches',
              stopAfter: stopAfter ?? undefined,
              recordAtATime,
            }).run();
            return outputs;
          };
          n++;
          const reference = await run(true);
          expect(await run(false)).toEqual(reference);
        },
      ),
      fuzzSettings({ numRuns: Number(process.env.EQUIVALENCE_RUNS ?? 25) }),
    );
  }, 120_000);

  it('from a Parquet file (Clean takes plain rows from the columns) writes every sink as record-at-a-time does', async () => {
    const work = await mkdtemp(join(tmpdir(), 'cs-batches-pq-'));
    dirs.push(work);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(messyRow, { maxLength: 300 }),
        fc.integer({ min: 1, max: 80 }),
        fc.array(signal, { maxLength: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 400 }),
        fc.constantFrom(3, Infinity),
        async (rows, rowGroupSize, signals, partitions, commitEvery, maxPriceMove) => {
          const path = join(work, `${++n}.parquet`);
          await writeFile(path, messyParquet(rows, rowGroupSize));
          const external = signals
            .map((s, i): StreamRecord => ({
              key: null,
              value: { name: 'fg', ts: T0 + s.minute * MIN, value: s.value },
              timestamp: T0 + s.minute * MIN,
              headers: {},
              position: { source: 'fg', partition: 0, offset: i },
            }))
            .sort((a, b) => a.timestamp - b.timestamp);
          const run = async (recordAtATime: boolean) => {
            const outputs = { features: [] as string[], dead: [] as string[] };
            const market = defaultMarketOptions({ externalSignals: ['fg'], clean: { fillGaps: true, maxGapMs: 3_600_000, maxPriceMove } });
            await new BackfillRunner({
              topology: buildMarketTopology(market),
              inputs: [
                input('external', 'external', external, true),
                ...(await candleFileInputs([path], {
                  symbol: 'ADAUSDT',
                  exchange: 'Binance',
                  from: -Infinity,
                  to: Infinity,
                  source: 'prices',
                })),
              ],
              writers: new Map([
                ['features', memoryWriter(outputs.features)],
                [DEAD_LETTER, memoryWriter(outputs.dead)],
              ]),
              partitions,
              stateDir: join(work, `${n}-${recordAtATime}`),
              commitEvery,
              fingerprint: 'batches',
              recordAtATime,
            }).run();
            return outputs;
          };
          const reference = await run(true);
          expect(await run(false)).toEqual(reference);
        },
      ),
      fuzzSettings({ numRuns: Number(process.env.EQUIVALENCE_RUNS ?? 25) }),
    );
  }, 120_000);
});
