import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WindowStore } from '../../state/WindowStore.ts';
import { CachedKeyValueStore } from '../../state/CachedKeyValueStore.ts';

describe('WindowStore', () => {
  it('lists windows that ended by a time, oldest first, and rebuilds its index on reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-ws-'));
    try {
      const store = new WindowStore<number>('w', 300_000);
      await store.open(dir);
      store.put('BTC-USDT', 600_000, 1);
      store.put('ETH-USDT', 0, 2);
      store.put('BTC-USDT', 0, 3);
      store.put('BTC-USDT', 900_000, 4);
      expect([...store.endedBy(900_000)].map((w) => [w.key, w.start, w.value])).toEqual([
        ['BTC-USDT', 0, 3],
        ['ETH-USDT', 0, 2],
        ['BTC-USDT', 600_000, 1],
      ]);
      store.delete('ETH-USDT', 0);
      await store.flush('m1');
      await store.close();
      const again = new WindowStore<number>('w', 300_000);
      await again.open(dir);
      expect(again.committedMarker).toBe('m1');
      expect(again.earliestStart()).toBe(0);
      expect([...again.endedBy(Infinity)].map((w) => w.value)).toEqual([3, 1, 4]);
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a key-value store flushes dirty entries and deletions in one batch, and wipe empties disk too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-kv-'));
    try {
      const kv = new CachedKeyValueStore<{ n: number }>('kv', { maxDirtyEntries: 2 });
      await kv.open(dir);
      kv.put('a', { n: 1 });
      expect(kv.needsFlush).toBe(false);
      kv.put('b', { n: 2 });
      expect(kv.needsFlush).toBe(true);
      await kv.flush('1');
      kv.delete('a');
      await kv.flush('2');
      await kv.close();
      const reopened = new CachedKeyValueStore<{ n: number }>('kv');
      await reopened.open(dir);
      expect([...reopened.entries()]).toEqual([['b', { n: 2 }]]);
      await reopened.wipe();
      expect(reopened.size).toBe(0);
      await reopened.close();
      const empty = new CachedKeyValueStore('kv');
      await empty.open(dir);
      expect(empty.size).toBe(0);
      expect(empty.committedMarker).toBeUndefined();
      await empty.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
