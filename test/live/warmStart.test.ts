import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { storageFor } from '../../io/storage/storageFor.ts';
import { eventually, Service } from './processes.ts';
import { difference, fearGreed, sampleCandles, withoutLastWindows, worldsFor, type Row } from './liveData.ts';
import { intervalMs } from '../../market/interval.ts';

const brokers = inject('brokers');
const webhdfs = inject('webhdfsUrl');
const newWorld = worldsFor(brokers);

const LIVE_FROM = '2023-03-03T00:00:00Z';
const T = Date.parse(LIVE_FROM);
const END = ['--to', '2023-03-04T00:00:00Z'];

/** What a live run that starts at T emits: every window that closes at or after T (ends at T or later). */
const closingLive = (rows: Row[]) => rows.filter((r) => r.ts + intervalMs(r.interval) >= T);

describe('run --warm-from', () => {
  it.each(['local files', 'HDFS'])(
    'builds state from history in %s, then continues live: the output equals a pure replay of history plus live',
    async (where) => {
      const w = await newWorld();
      let history = [sampleCandles];
      if (where === 'HDFS') {
        const { storage, path } = storageFor(`hdfs://127.0.0.1:8020/cs-warm-${w.id}`, { webhdfs });
        for (const file of readdirSync(sampleCandles)) await storage.write(`${path}/${file}`, readFileSync(join(sampleCandles, file)));
        history = [`hdfs://127.0.0.1:8020${path}`, '--webhdfs', webhdfs];
      }
      const replay = await w.backfill(['--source', sampleCandles, '--external', fearGreed, ...END]);
      const features = closingLive(withoutLastWindows(replay.features));
      const signals = closingLive(withoutLastWindows(replay.signals));

      // Only the live part is on Kafka; the history (2 days before it) is in files.
      await w.publish(['--source', sampleCandles, '--external', fearGreed, '--from', LIVE_FROM, ...END]);
      const service = new Service(w.serviceArgs(['--external-names', 'fear_greed', '--warm-from', ...history]));
      await service.started();
      const liveFeatures = await eventually(
        () => w.read(w.topics.features),
        (rows) => rows.length >= features.length,
        120_000,
        'features',
      );
      const liveSignals = await eventually(
        () => w.read(w.topics.signals),
        (rows) => rows.length >= signals.length,
        60_000,
        'signals',
      );
      const warmed = service.lines.filter((l) => l.msg === 'task warmed up from history');
      expect(await service.stop('SIGTERM')).toBe(0);

      expect(warmed.length).toBeGreaterThan(0);
      expect(warmed.every((l) => l.until === new Date(T).toISOString())).toBe(true);
      expect(warmed.reduce((n, l) => n + (l.records as number), 0)).toBe(2 * 2 * 1440); // two symbols, two days of 1m candles
      expect(difference(liveFeatures, features)).toEqual({ extra: [], missing: [] });
      expect(difference(liveSignals, signals)).toEqual({ extra: [], missing: [] });
      // The first live minute already has the 50-minute average and the 14-period RSI.
      const first = liveFeatures.filter((f) => f.interval === '1m' && f.ts === T);
      expect(first).toHaveLength(2);
      for (const f of first) expect([f.sma_50, f.rsi_14, f.macd_hist]).not.toContain(null);
      if (where === 'HDFS') await storageFor(history[0], { webhdfs }).storage.remove(`/cs-warm-${w.id}`);
    },
  );
});
