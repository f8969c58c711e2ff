import { describe, expect, it } from 'vitest';
import { Topology } from '../../topology/Topology.ts';
import { StreamTask } from '../../topology/StreamTask.ts';
import type { ProcessorContext } from '../../topology/ProcessorContext.ts';
import { batchOfRecords } from '../../topology/RecordBatch.ts';
import { keyValueStore } from '../../state/CachedKeyValueStore.ts';
import type { KeyValueStore } from '../../state/KeyValueStore.ts';

/** A processor that reports each punctuation (every 60 s of stream time) downstream. */
function ticking() {
  let context!: ProcessorContext<{ at: number }>;
  return {
    init(c: ProcessorContext<{ at: number }>) {
      context = c;
      c.schedule(60_000, (time) => context.forward({ key: null, value: { at: time }, timestamp: time, headers: {} }));
    },
    process() {},
  };
}

const topology = new Topology()
  .addSource('in', ['t'], [])
  .addProcessor('tick', ticking, ['in'], { writes: ['at'] })
  .addSink('out', 'ticks', ['tick'], ['at'])
  .build();
const record = (minute: number) => ({ key: 'k', value: {}, timestamp: minute * 60_000, headers: {} });

describe('StreamTask', () => {
  it('a task resumed at a saved stream time punctuates where an uninterrupted one does', async () => {
    const run = async (minutes: number[], from?: number) => {
      const ticks: number[] = [];
      const task = new StreamTask(topology, { partition: 0, emit: (_, r) => ticks.push((r.value as { at: number }).at / 60_000) });
      await task.initialize();
      if (from !== undefined) task.restoreStreamTime(from * 60_000);
      for (const m of minutes) task.process('in', record(m));
      return ticks;
    };
    const whole = await run([1, 2, 3, 5, 6]);
    expect(whole).toEqual([2, 3, 5, 6]);
    // Killed after minute 3 and resumed there: the next record, minute 5, punctuates as it did.
    expect([...(await run([1, 2, 3])), ...(await run([5, 6], 3))]).toEqual(whole);
  });

  it("a topology where a node gets a source's records along two paths runs them depth first, as one at a time", async () => {
    // in → a → join and in → join: per input, join sees a's output and the input interleaved, which batches per edge would reorder.
    const relay = (tag: string) => () => {
      let context!: ProcessorContext;
      return {
        init: (c: ProcessorContext) => void (context = c),
        process: (r: { key: string | null; value: unknown; timestamp: number; headers: Record<string, string> }) => {
          context.forward({ ...r, value: `${tag}(${String(r.value)})` });
          context.forward({ ...r, value: `${tag}'(${String(r.value)})` });
        },
      };
    };
    const diamond = new Topology()
      .addSource('in', ['t'], [])
      .addProcessor('a', relay('a'), ['in'])
      .addProcessor('join', relay('j'), ['a', 'in'])
      .addSink('out', 'o', ['join'])
      .build();
    const values = async (recordAtATime: boolean, batch: boolean) => {
      const out: unknown[] = [];
      const task = new StreamTask(diamond, { partition: 0, emit: (_, r) => out.push(r.value), recordAtATime });
      await task.initialize();
      const records = [1, 2].map((v) => ({ key: 'k', value: v, timestamp: v, headers: {} }));
      if (batch) task.processBatch('in', batchOfRecords(records));
      else for (const r of records) task.process('in', r);
      return out;
    };
    const reference = await values(true, false);
    expect(reference.slice(0, 3)).toEqual(['j(a(1))', "j'(a(1))", "j(a'(1))"]);
    expect(await values(false, false)).toEqual(reference);
    expect(await values(false, true)).toEqual(reference);
  });

  it('after a processor throws, the task goes on: later records are processed and their dead letters emitted', async () => {
    const thrower = new Topology()
      .addSource('in', ['t'], [])
      .addProcessor(
        'p',
        () => {
          let context!: ProcessorContext;
          return {
            init: (c: ProcessorContext) => void (context = c),
            process: (r: { key: string | null; value: unknown; timestamp: number; headers: Record<string, string> }) => {
              if (r.value === 'reject') context.reject(r, 'rejected');
              if (r.value === 'throw') throw new Error('boom');
              context.forward(r);
            },
          };
        },
        ['in'],
      )
      .addSink('out', 'o', ['p'])
      .build();
    const out: string[] = [];
    const task = new StreamTask(thrower, { partition: 0, emit: (sink, r) => out.push(`${sink}:${String(r.key)}`) });
    await task.initialize();
    const rec = (key: string, value: string) => ({ key, value, timestamp: 1, headers: {} });
    expect(() => task.processBatch('in', batchOfRecords([rec('a', 'ok'), rec('b', 'reject'), rec('c', 'throw')]))).toThrow('boom');
    task.process('in', rec('d', 'reject'));
    task.process('in', rec('e', 'ok'));
    // Per sink, as one at a time (dead letters leave at the end of a step, after the step's outputs).
    expect(out.filter((o) => o.startsWith('out:'))).toEqual(['out:d', 'out:e']);
    expect(out.filter((o) => o.startsWith('dead-letter:'))).toEqual(['dead-letter:d']);
  });

  it('two processors on one path sharing a store run depth first: the reader sees the write of the same record', async () => {
    const writer = () => {
      let context!: ProcessorContext;
      let store!: KeyValueStore<number>;
      return {
        init: (c: ProcessorContext) => {
          context = c;
          store = c.getStateStore('last');
        },
        process: (r: { key: string | null; value: unknown; timestamp: number; headers: Record<string, string> }) => {
          store.put('last', r.value as number);
          context.forward(r);
        },
      };
    };
    const reader = () => {
      let context!: ProcessorContext;
      let store!: KeyValueStore<number>;
      return {
        init: (c: ProcessorContext) => {
          context = c;
          store = c.getStateStore('last');
        },
        process: (r: { key: string | null; value: unknown; timestamp: number; headers: Record<string, string> }) =>
          context.forward({ ...r, value: store.get('last') }),
      };
    };
    const sharing = new Topology()
      .addSource('in', ['t'], [])
      .addProcessor('w', writer, ['in'])
      .addProcessor('r', reader, ['w'])
      .addSink('out', 'o', ['r'])
      .addStateStore(keyValueStore('last'), 'w', 'r')
      .build();
    const out: unknown[] = [];
    const task = new StreamTask(sharing, { partition: 0, emit: (_, r) => out.push(r.value) });
    await task.initialize();
    task.processBatch('in', batchOfRecords([1, 2, 3].map((v) => ({ key: 'k', value: v, timestamp: v, headers: {} }))));
    expect(out).toEqual([1, 2, 3]);
  });

  it('a batch processor that forwards before saying which row it works on is told so', async () => {
    const careless = new Topology()
      .addSource('in', ['t'], [])
      .addProcessor(
        'p',
        () => {
          let context!: ProcessorContext;
          return {
            init: (c: ProcessorContext) => void (context = c),
            process: () => {},
            processBatch: () => context.forward({ key: null, value: 1, timestamp: 1, headers: {} }),
          };
        },
        ['in'],
      )
      .addSink('out', 'o', ['p'])
      .build();
    const task = new StreamTask(careless, { partition: 0, emit: () => {} });
    await task.initialize();
    expect(() => task.process('in', { key: 'k', value: 1, timestamp: 1, headers: {} })).toThrow(
      'processor "p" forwarded in processBatch before context.at(row)',
    );
  });
});
