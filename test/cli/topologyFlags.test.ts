import { describe, expect, it } from 'vitest';
import { marketOptionsFrom } from '../../cli/topologyFlags.ts';
import { RUN_SETTINGS } from '../../cli/runCommand.ts';
import { UsageError } from '../../cli/UsageError.ts';

describe('--max-price-move', () => {
  it.each([[undefined, 10], ['10', 10], ['2.5', 2.5], ['off', Infinity]])('%s → a factor of %s', (raw, factor) => {
    expect(marketOptionsFrom({ 'max-price-move': raw }).clean.maxPriceMove).toBe(factor);
  });

  it.each(['1', '0.5', '-10', 'ten', '', 'Infinity'])('"%s" stops start-up with a message naming the flag', (raw) => {
    expect(() => marketOptionsFrom({ 'max-price-move': raw })).toThrow(UsageError);
    expect(() => marketOptionsFrom({ 'max-price-move': raw })).toThrow(/--max-price-move/);
  });

  it('is a setting of run as well as of backfill', () => expect(RUN_SETTINGS['max-price-move']).toBeDefined());
});

describe('--periods and --rsi-smoothing', () => {
  it('both reach the RSI', () => {
    expect(marketOptionsFrom({ periods: 'rsi=7', 'rsi-smoothing': 'simple' }).periods.rsi).toEqual({ period: 7, smoothing: 'simple' });
    expect(marketOptionsFrom({}).periods.rsi).toEqual({ period: 14, smoothing: 'wilder' });
  });
});
