import { describe, expect, it } from 'vitest';
import { SymbolTable } from '../../topology/SymbolTable.ts';
import { partitionFor } from '../../topology/partitioner.ts';

describe('SymbolTable', () => {
  it('interns each name once, to consecutive ids, and gives the name back', () => {
    const symbols = new SymbolTable();
    expect(['ETH-USDT', 'BTC-USDT', 'ETH-USDT'].map((s) => symbols.intern(s))).toEqual([0, 1, 0]);
    expect(symbols.size).toBe(2);
    expect(symbols.name(1)).toBe('BTC-USDT');
    expect(() => symbols.name(2)).toThrow(/no symbol with id 2/);
  });

  it('ranks ids in the order Array.prototype.sort puts the names, also after new names arrive', () => {
    const symbols = new SymbolTable();
    const names = ['b', 'B', 'a-2', 'é', 'a'];
    for (const n of names) symbols.intern(n);
    const byRank = (all: string[]) => [...all].sort((x, y) => symbols.rank(symbols.intern(x)) - symbols.rank(symbols.intern(y)));
    expect(byRank(names)).toEqual([...names].sort());
    names.push('Z', 'aa');
    for (const n of names) symbols.intern(n);
    expect(byRank(names)).toEqual([...names].sort());
  });

  it("partitions as Kafka's partitioner does, for any partition count", () => {
    const symbols = new SymbolTable();
    const names = Array.from({ length: 100 }, (_, i) => `S${i}-USDT`);
    for (const partitions of [1, 4, 7]) {
      expect(names.map((n) => symbols.partition(symbols.intern(n), partitions))).toEqual(names.map((n) => partitionFor(n, partitions)));
    }
  });
});
