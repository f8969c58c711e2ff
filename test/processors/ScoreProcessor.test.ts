import { describe, expect, it } from 'vitest';
import { Topology } from '../../topology/Topology.ts';
import { TopologyTestDriver } from '../../topology/TopologyTestDriver.ts';
import { ScoreProcessor } from '../../processors/ScoreProcessor.ts';
import type { SignalModel, SignalModelSource } from '../../processors/SignalModel.ts';
import type { Signal } from '../../market/Signal.ts';

/** A stand-in model: p_up = x (one feature, `x`), p_down = 1 − x; it counts its calls. */
class LinearStandIn implements SignalModel {
  readonly name = 'stand-in';
  readonly featureCount = 1;
  readonly inputType = 'float32';
  readonly thresholds = { buy: 0.6, sell: 0.6 };
  readonly version: string;
  calls: number[] = [];
  constructor(version: string) {
    this.version = version;
  }
  vectorize(f: Record<string, unknown>, out: Float32Array | Float64Array, offset: number) {
    if (typeof f.x !== 'number') return 'missing:x';
    out[offset] = f.x;
    return undefined;
  }
  async predict(input: Float32Array | Float64Array, rows: number) {
    this.calls.push(rows);
    await new Promise((r) => setTimeout(r, 1)); // really asynchronous, as onnxruntime is
    return { up: Array.from(input.subarray(0, rows)), down: Array.from(input.subarray(0, rows), (x) => 1 - x) };
  }
}

async function scoring(source: SignalModelSource) {
  const topology = new Topology()
    .addSource('features', ['features'])
    .addProcessor('score', () => new ScoreProcessor(source), ['features'])
    .addSink('signals', 'signals', ['score'])
    .build();
  return TopologyTestDriver.create(topology);
}

const feature = (ts: number, x: number | null, interval = '1m') => ({ symbol: 'BTC-USDT', interval, ts, close: 100 + ts, x });

describe('Score', () => {
  it('holds the batch, scores it in one call, and forwards the signals in arrival order', async () => {
    const model = new LinearStandIn('1');
    const unscored: string[] = [];
    const driver = await scoring({ interval: '1m', current: () => model, onUnscored: (r) => unscored.push(r) });
    const xs = [0.9, 0.2, null, 0.5, 0.61];
    xs.forEach((x, i) => driver.pipeInput('features', 'BTC-USDT', feature(i, x), i));
    driver.pipeInput('features', 'BTC-USDT', feature(99, 0.9, '5m'), 99); // not the model's interval
    expect(driver.readValues('signals')).toEqual([]); // nothing before the end of the batch
    await driver.flush();
    expect(model.calls).toEqual([4]); // one call, the four scorable rows
    const signals = driver.readValues<Signal>('signals');
    expect(signals.map((s) => [s.ts, s.signal, s.p_up === null ? null : Number(s.p_up.toFixed(4))])).toEqual([
      [0, 'BUY', 0.9],
      [1, 'SELL', 0.2],
      [2, 'HOLD', null],
      [3, 'HOLD', 0.5],
      [4, 'BUY', 0.61],
    ]);
    expect(signals[0]).toMatchObject({ symbol: 'BTC-USDT', interval: '1m', close: 100, model: 'stand-in', model_version: '1' });
    expect(unscored).toEqual(['missing:x']);
    await driver.close();
  });

  it('uses one model version for a whole batch, asking for it once per batch', async () => {
    let version = 0;
    const driver = await scoring({ interval: '1m', current: () => new LinearStandIn(String(++version)) }); // a reload before every look
    for (let i = 0; i < 3; i++) driver.pipeInput('features', 'BTC-USDT', feature(i, 0.7), i);
    await driver.flush();
    driver.pipeInput('features', 'BTC-USDT', feature(3, 0.7), 3);
    await driver.commit(); // a commit ends the batch too
    expect(driver.readValues<Signal>('signals').map((s) => s.model_version)).toEqual(['1', '1', '1', '2']);
    await driver.close();
  });

  it('keeps the batch when the model call fails: the records are scored by the next flush, in order', async () => {
    const model = new LinearStandIn('1');
    let fail = true;
    const flaky: SignalModel = Object.assign(Object.create(model), {
      predict: (input: Float32Array | Float64Array, rows: number) =>
        fail ? Promise.reject(new Error('inference failed')) : model.predict(input, rows),
    });
    const driver = await scoring({ interval: '1m', current: () => flaky });
    driver.pipeInput('features', 'BTC-USDT', feature(0, 0.9), 0);
    driver.pipeInput('features', 'BTC-USDT', feature(1, 0.1), 1);
    await expect(driver.flush()).rejects.toThrow('inference failed');
    expect(driver.readValues('signals')).toEqual([]);
    driver.pipeInput('features', 'BTC-USDT', feature(2, 0.5), 2);
    fail = false;
    await driver.flush();
    expect(driver.readValues<Signal>('signals').map((s) => [s.ts, s.signal])).toEqual([
      [0, 'BUY'],
      [1, 'SELL'],
      [2, 'HOLD'],
    ]);
    await driver.close();
  });

  it('makes no call for a batch with nothing to score', async () => {
    const model = new LinearStandIn('1');
    const driver = await scoring({ interval: '1m', current: () => model });
    driver.pipeInput('features', 'BTC-USDT', feature(0, null), 0);
    await driver.flush();
    await driver.flush();
    expect(model.calls).toEqual([]);
    expect(driver.readValues<Signal>('signals')).toMatchObject([{ signal: 'HOLD', p_up: null }]);
    await driver.close();
  });
});
