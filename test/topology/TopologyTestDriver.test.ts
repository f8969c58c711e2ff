import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Topology } from '../../topology/Topology.ts';
import type { Processor } from '../../topology/Processor.ts';
import type { ProcessorContext } from '../../topology/ProcessorContext.ts';
import { TopologyTestDriver } from '../../topology/TopologyTestDriver.ts';
import { keyValueStore } from '../../state/CachedKeyValueStore.ts';
import type { KeyValueStore } from '../../state/KeyValueStore.ts';

/** Counts records per key; rejects negative amounts; every 10 s of stream time emits the totals. */
class Summer implements Processor<{ amount: number }, { key: string; total: number }> {
  ctx!: ProcessorContext<{ key: string; total: number }>;
  store!: KeyValueStore<number>;
  init(ctx: ProcessorContext<{ key: string; total: number }>) {
    this.ctx = ctx;
    this.store = ctx.getStateStore('totals');
    ctx.schedule(10_000, (time) => {
      for (const [key, total] of this.store.entries())
        ctx.forward({ key, value: { key, total }, timestamp: time, headers: {} }, 'totals-out');
    });
  }
  process(r: { key: string | null; value: { amount: number }; timestamp: number; headers: Record<string, string> }) {
    if (r.value.amount < 0) return this.ctx.reject(r, 'negative_amount');
    const total = (this.store.get(r.key!) ?? 0) + r.value.amount;
    this.store.put(r.key!, total);
    this.ctx.forward({ ...r, value: { key: r.key!, total } }, 'running-out');
  }
}

function summing() {
  return new Topology()
    .addSource('in', ['amounts'], ['amount'])
    .addProcessor('sum', () => new Summer(), ['in'], { reads: ['amount'], writes: ['total'] })
    .addSink('running-out', 'running', ['sum'])
    .addSink('totals-out', 'totals', ['sum'])
    .addStateStore(keyValueStore('totals'), 'sum')
    .build();
}

let dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
});

describe('TopologyTestDriver', () => {
  it('pipes records through, forwards to named children and keeps state per key', async () => {
    const driver = await TopologyTestDriver.create(summing());
    driver.pipeInput('in', 'a', { amount: 1 }, 1000);
    driver.pipeInput('in', 'b', { amount: 5 }, 2000);
    driver.pipeInput('in', 'a', { amount: 2 }, 3000);
    expect(driver.readValues('running-out')).toEqual([
      { key: 'a', total: 1 },
      { key: 'b', total: 5 },
      { key: 'a', total: 3 },
    ]);
    expect(driver.readValues('totals-out')).toEqual([]);
    expect(driver.getStateStore<KeyValueStore<number>>('totals').get('a')).toBe(3);
    await driver.close();
  });

  it('punctuates on stream time, not wall-clock time, once per advance', async () => {
    const driver = await TopologyTestDriver.create(summing());
    driver.pipeInput('in', 'a', { amount: 1 }, 5_000);
    expect(driver.readValues('totals-out')).toEqual([]);
    driver.pipeInput('in', 'a', { amount: 1 }, 4_000); // out of order: stream time stays at 5 s
    expect(driver.readValues('totals-out')).toEqual([]);
    driver.pipeInput('in', 'a', { amount: 1 }, 10_000);
    expect(driver.readValues('totals-out')).toEqual([{ key: 'a', total: 3 }]);
    driver.advanceStreamTime(45_000); // several intervals at once: one punctuation
    expect(driver.readOutput('totals-out').map((r) => r.timestamp)).toEqual([45_000]);
    await driver.close();
  });

  it('routes rejected records to the dead-letter output with reason, processor and position', async () => {
    const driver = await TopologyTestDriver.create(summing());
    driver.pipeInput('in', 'a', { amount: -1 }, 1000);
    driver.pipeInput('in', 'a', { amount: 1 }, 2000);
    expect(driver.readDeadLetters()).toEqual([
      { reason: 'negative_amount', processor: 'sum', original: { amount: -1 }, source: 'in', partition: 0, offset: 0 },
    ]);
    expect(driver.readValues('running-out')).toEqual([{ key: 'a', total: 1 }]);
    expect(driver.tasks[0].metrics.deadLetters.get('negative_amount')).toBe(1);
    await driver.close();
  });

  it("gives each partition its own task and stores, placed by Kafka's partitioner", async () => {
    const driver = await TopologyTestDriver.create(summing(), { partitions: 3 });
    for (const key of ['BTC-USDT', 'ETH-USDT', 'SOL-USDT', 'XRP-USDT']) driver.pipeInput('in', key, { amount: 1 }, 1000);
    const holders = [0, 1, 2].map((p) => [...driver.getStateStore<KeyValueStore<number>>('totals', p).entries()].map(([k]) => k));
    expect(holders.flat().sort()).toEqual(['BTC-USDT', 'ETH-USDT', 'SOL-USDT', 'XRP-USDT']);
    const { partitionFor } = await import('../../topology/partitioner.ts');
    for (let p = 0; p < 3; p++) for (const key of holders[p]) expect(partitionFor(key, 3)).toBe(p);
    await driver.close();
  });

  it('persists stores in LevelDB: closed and reopened, state continues from the last commit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-driver-'));
    dirs.push(dir);
    const first = await TopologyTestDriver.create(summing(), { stateDir: dir });
    first.pipeInput('in', 'a', { amount: 2 }, 1000);
    await first.commit('c1');
    first.pipeInput('in', 'a', { amount: 100 }, 2000); // not committed: lost with the crash
    await first.close();
    const second = await TopologyTestDriver.create(summing(), { stateDir: dir });
    expect(second.getStateStore<KeyValueStore<number>>('totals').committedMarker).toBe('c1');
    second.pipeInput('in', 'a', { amount: 3 }, 3000);
    expect(second.readValues('running-out')).toEqual([{ key: 'a', total: 5 }]);
    await second.close();
  });

  it('pipeBatch gives a task its records as one batch, meaning what piping them one by one means', async () => {
    const rows = [
      { key: 'a', value: { amount: 1 }, timestamp: 1_000 },
      { key: 'a', value: { amount: -1 }, timestamp: 9_000 },
      { key: 'a', value: { amount: 2 }, timestamp: 12_000 }, // crosses 10 s: totals punctuate after this row
      { key: 'a', value: { amount: 4 }, timestamp: 11_000 },
      { key: 'a', value: { amount: -5 }, timestamp: 25_000 },
      { key: 'a', value: { amount: 8 }, timestamp: 26_000 },
    ];
    const read = (driver: TopologyTestDriver) => ['running-out', 'totals-out', 'dead-letter'].map((sink) => driver.readOutput(sink));
    const oneByOne = await TopologyTestDriver.create(summing());
    for (const r of rows) oneByOne.pipeInput('in', r.key, r.value, r.timestamp);
    const batched = await TopologyTestDriver.create(summing());
    batched.pipeBatch('in', rows);
    expect(read(batched)).toStrictEqual(read(oneByOne));
    expect(read(oneByOne)).toEqual([[], [], []]); // read empties the outputs
    await oneByOne.close();
    await batched.close();
  });
});
