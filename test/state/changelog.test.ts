import { describe, expect, it } from 'vitest';
import { CachedKeyValueStore } from '../../state/CachedKeyValueStore.ts';
import { WindowStore } from '../../state/WindowStore.ts';
import { decodeValue } from '../../state/binaryValue.ts';

const readable = ([k, v]: Change) => [k, v === null ? null : decodeValue(v)];

type Change = [string, Uint8Array | null];

describe('store changelogs', () => {
  it('a key-value store logs what each flush writes, and a fresh store restored from the log holds the same', async () => {
    const log: Change[] = [];
    const kv = new CachedKeyValueStore<{ n: number }>('kv');
    await kv.open(undefined);
    kv.put('a', { n: 1 });
    kv.put('b', { n: 2 });
    kv.put('temp', { n: 0 });
    kv.delete('temp'); // created and deleted between flushes: never logged
    await kv.flush('1', (k, v) => log.push([k, v]));
    kv.put('a', { n: 3 });
    kv.delete('b');
    await kv.flush('2', (k, v) => log.push([k, v]));
    expect(log.map(readable)).toEqual([
      ['a', { n: 1 }],
      ['b', { n: 2 }],
      ['a', { n: 3 }],
      ['b', null],
    ]);

    const restored = new CachedKeyValueStore<{ n: number }>('kv');
    await restored.open(undefined);
    for (const [k, v] of log) restored.restore(k, v);
    expect([...restored.entries()]).toEqual([...kv.entries()]);
  });

  it('a window store logs only the windows put or deleted since the last flush', async () => {
    const log: Change[] = [];
    const ws = new WindowStore<{ v: number }>('w', 60_000);
    await ws.open(undefined);
    ws.put('BTC', 0, { v: 1 });
    ws.put('ETH', 0, { v: 2 });
    await ws.flush('1', (k, v) => log.push([k, v]));
    const btc = ws.fetch('BTC', 0)!;
    btc.v = 5; // updated in place, then put: logged
    ws.put('BTC', 0, btc);
    ws.delete('ETH', 0);
    ws.put('BTC', 60_000, { v: 7 });
    await ws.flush('2', (k, v) => log.push([k, v]));
    await ws.flush('3', (k, v) => log.push([k, v])); // nothing changed: nothing logged
    expect(log.map(readable).map(([k, v]) => [(k as string).replace('\u0001', '@'), v])).toEqual([
      ['BTC@0', { v: 1 }],
      ['ETH@0', { v: 2 }],
      ['BTC@0', { v: 5 }],
      ['ETH@0', null],
      ['BTC@60000', { v: 7 }],
    ]);

    const restored = new WindowStore<{ v: number }>('w', 60_000);
    await restored.open(undefined);
    for (const [k, v] of log) restored.restore(k, v);
    expect([...restored.endedBy(Infinity)]).toEqual([...ws.endedBy(Infinity)]);
  });
});
