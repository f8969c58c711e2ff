import { describe, expect, it } from 'vitest';
import { fileNameHints } from '../../market/exchanges/fileNameHints.ts';

describe('file name hints', () => {
  it('reads symbol, interval and exchange from export names', () => {
    expect(fileNameHints('data/binance_BTCUSDT_1m_2023-03-01.csv')).toEqual({ exchange: 'binance', symbol: 'BTCUSDT', interval: '1m' });
    expect(fileNameHints('BTCUSDT-1h-2024-01.zip')).toEqual({ symbol: 'BTCUSDT', interval: '1h' });
    expect(fileNameHints('XBTUSD_60.csv')).toEqual({ symbol: 'XBTUSD', interval: '1h' });
  });

  it('reads nothing from Spark part files, whose uuid may look like an interval (865d)', () => {
    expect(fileNameHints('symbol=BTCUSDT/part-00000-3f2a9c1e-865d-4b7a-9e2f-0123456789ab-c000.snappy.parquet')).toEqual({});
  });
});
