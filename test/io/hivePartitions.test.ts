import { describe, expect, it } from 'vitest';
import { hivePartitionValues, partitionMayMatch } from '../../io/hivePartitions.ts';

describe('Hive partitions', () => {
  it('reads partition values from a path', () => {
    expect(hivePartitionValues('symbol=BTC-USDT/date=2023-03-01/part-0.parquet')).toEqual({ symbol: 'BTC-USDT', date: '2023-03-01' });
    expect(hivePartitionValues('x/Symbol=ETH%2FUSD/file.csv')).toEqual({ symbol: 'ETH/USD' });
  });

  const filter = { symbols: new Set(['BTC-USDT']), from: Date.parse('2023-03-05T12:00:00Z'), to: Date.parse('2023-03-07T00:00:00Z') };

  it('enters a symbol directory only for a wanted symbol, written any way the exchange writes it', () => {
    expect(partitionMayMatch('symbol=BTC-USDT', filter)).toBe(true);
    expect(partitionMayMatch('symbol=BTCUSDT', filter)).toBe(true);
    expect(partitionMayMatch('symbol=BTC-USDC', filter)).toBe(false);
    expect(partitionMayMatch('symbol=BTC-USDC', { ...filter, symbols: undefined })).toBe(true);
  });

  it('enters a day directory only when the day overlaps [from, to)', () => {
    expect(['date=2023-03-04', 'date=2023-03-05', 'date=2023-03-06', 'dt=2023-03-07'].map((d) => partitionMayMatch(d, filter))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('enters any other directory', () => {
    expect(partitionMayMatch('interval=1m', filter)).toBe(true);
    expect(partitionMayMatch('2023', filter)).toBe(true);
    expect(partitionMayMatch('date=not-a-day', filter)).toBe(true);
  });

  it('takes a value that is not valid percent-encoding as it is, rather than failing with no path', () => {
    expect(hivePartitionValues('run=50%/symbol=BTC%2/part-0.parquet')).toEqual({ run: '50%', symbol: 'BTC%2' });
    expect(hivePartitionValues('note=%E0%A4%A/x.csv')).toEqual({ note: '%E0%A4%A' });
    expect(partitionMayMatch('run=50%', filter)).toBe(true);
    expect(partitionMayMatch('symbol=BTC%ZZ', filter)).toBe(false);
  });
});
