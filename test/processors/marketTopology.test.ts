import { describe, expect, it } from 'vitest';
import {
  buildMarketTopology,
  defaultMarketOptions,
  featureColumns,
  featuresNode,
  marketTopology,
  type FeatureStage,
} from '../../processors/marketTopology.ts';
import { NODES } from '../../processors/nodeNames.ts';
import type { Processor } from '../../topology/Processor.ts';
import type { ProcessorContext } from '../../topology/ProcessorContext.ts';
import { TopologyTestDriver } from '../../topology/TopologyTestDriver.ts';
import { keyValueStore } from '../../state/CachedKeyValueStore.ts';
import type { KeyValueStore } from '../../state/KeyValueStore.ts';
import { TopologyError } from '../../topology/TopologyError.ts';
import { candle, MIN, T0 } from './marketDriver.ts';

/** Numbers each feature row of its symbol and interval, counting in a store. */
function counting(name = 'count', column = 'n'): FeatureStage {
  const store = `${name}-store`;
  class Count implements Processor {
    #context!: ProcessorContext;
    #counts!: KeyValueStore<number>;
    init(context: ProcessorContext) {
      this.#context = context;
      this.#counts = context.getStateStore(store);
    }
    process(record: { key: string | null; value: any; timestamp: number; headers: Record<string, string> }) {
      const key = `${record.value.symbol}|${record.value.interval}`;
      const n = (this.#counts.get(key) ?? 0) + 1;
      this.#counts.put(key, n);
      this.#context.forward({ ...record, value: { ...record.value, [column]: n } });
    }
  }
  return { name, supplier: () => new Count(), reads: ['symbol', 'interval'], writes: [column], stores: [keyValueStore(store)] };
}

const closes = [100, 101, 103, 102, 104, 106];

async function replayThrough(driver: TopologyTestDriver) {
  closes.forEach((close, i) => driver.pipeInput(NODES.prices, 'BTC-USDT', candle('BTC-USDT', T0 + i * MIN, close), T0 + i * MIN));
  driver.advanceStreamTime(Infinity);
  await driver.flush();
}

describe('the market topology, extended', () => {
  it('a feature stage adds its column to every feature row, after the built-in ones, and keeps them as they were', async () => {
    const plain = defaultMarketOptions({ candles: { intervals: ['1m', '5m'], graceMs: 0 } });
    const extended = defaultMarketOptions({ ...plain, featureStages: [counting()] });
    expect(featureColumns(extended)).toEqual([...featureColumns(plain), 'n']);

    const base = await TopologyTestDriver.create(buildMarketTopology(plain));
    await replayThrough(base);
    const withStage = await TopologyTestDriver.create(buildMarketTopology(extended));
    await replayThrough(withStage);
    const before = base.readValues(NODES.features);
    const after = withStage.readValues(NODES.features);
    expect(after.length).toBe(before.length);
    expect(after.map(({ n: _n, ...rest }) => rest)).toEqual(before);
    // Per symbol and interval, the stage's count runs 1, 2, … in event time.
    for (const interval of ['1m', '5m']) {
      const rows = after.filter((r) => r.interval === interval);
      expect(rows.map((r) => r.n)).toEqual(rows.map((_, i) => i + 1));
    }
    expect(withStage.getStateStore<KeyValueStore<number>>('count-store').get('BTC-USDT|1m')).toBe(closes.length);
  });

  it('signals come from the last stage’s output; stages chain in order', async () => {
    const options = defaultMarketOptions({ signalIntervals: ['1m'], featureStages: [counting('a', 'na'), counting('b', 'nb')] });
    const topology = buildMarketTopology(options);
    const parents = new Map(topology.nodes.map((n) => [n.name, n.parents]));
    expect(parents.get('a')).toEqual([NODES.indicators]);
    expect(parents.get('b')).toEqual(['a']);
    expect(parents.get(NODES.features)).toEqual(['b']);
    expect(parents.get(NODES.signalRule)).toEqual(['b']);
    expect(featuresNode(options)).toBe('b');
  });

  it('a sink of yours on the features stream receives what the features sink does', async () => {
    const options = defaultMarketOptions({ candles: { intervals: ['1m'], graceMs: 0 } });
    expect(featuresNode(options)).toBe(NODES.indicators);
    const topology = marketTopology(options)
      .addSink('mine', 'my-topic', [featuresNode(options)], ['symbol', 'close'])
      .build();
    const driver = await TopologyTestDriver.create(topology);
    await replayThrough(driver);
    const features = driver.readValues(NODES.features);
    expect(features.length).toBe(closes.length);
    expect(driver.readValues('mine')).toEqual(features);
  });

  it('a stage that reads a column the features do not carry fails when built, naming it', () => {
    const stage = { ...counting(), reads: ['no_such_column'] };
    expect(() => buildMarketTopology(defaultMarketOptions({ featureStages: [stage] }))).toThrow(TopologyError);
    expect(() => buildMarketTopology(defaultMarketOptions({ featureStages: [stage] }))).toThrow(/"no_such_column"/);
  });
});
