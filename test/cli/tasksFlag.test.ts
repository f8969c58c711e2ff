import { describe, expect, it } from 'vitest';
import { tasksFlag } from '../../cli/tasksFlag.ts';
import { UsageError } from '../../cli/UsageError.ts';
import { ownsPartition } from '../../backfill/Shard.ts';

describe('--tasks I/N', () => {
  it('reads shard I of N', () => {
    expect(tasksFlag('0/4', 8)).toEqual({ index: 0, count: 4 });
    expect(tasksFlag('7/8', 8)).toEqual({ index: 7, count: 8 });
  });

  it.each([
    ['1/4/2', 8, /--tasks must be I\/N/],
    ['a/4', 8, /--tasks must be I\/N/],
    ['', 8, /--tasks must be I\/N/],
    ['-1/4', 8, /--tasks must be I\/N/],
    ['0/0', 8, /--tasks 0\/0: N must be at least 1/],
    ['4/4', 8, /--tasks 4\/4: I counts from 0 and must be below N \(4\)/],
    ['0/9', 8, /--tasks 0\/9: 9 shards of --partitions 8/],
  ])('refuses "%s" with --partitions %i, naming --tasks', (raw, partitions, message) => {
    expect(() => tasksFlag(raw, partitions)).toThrow(UsageError);
    expect(() => tasksFlag(raw, partitions)).toThrow(message);
  });

  it('gives every partition to exactly one of the N shards', () => {
    for (const count of [1, 3, 4, 8]) {
      for (let partition = 0; partition < 8; partition++) {
        const owners = Array.from({ length: count }, (_, index) => index).filter((index) => ownsPartition({ index, count }, partition));
        expect(owners).toEqual([partition % count]);
      }
    }
  });
});
