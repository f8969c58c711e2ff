import { describe, expect, it } from 'vitest';
import { murmur2, partitionFor } from '../../topology/partitioner.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('murmur2', () => {
  // Vectors from Apache Kafka's UtilsTest.testMurmur2: placement must match Kafka's default partitioner.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %s like the Java client', (input, expected) => {
    expect(murmur2(bytes(input))).toBe(expected);
  });

  it('partitions as toPositive(murmur2) % n', () => {
    expect(partitionFor('foobar', 50)).toBe((-790332482 & 0x7fffffff) % 50);
    expect(partitionFor('BTC-USDT', 1)).toBe(0);
  });
});
