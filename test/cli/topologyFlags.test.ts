import { describe, expect, it } from 'vitest';
import { topologyFlagOptions } from '../../cli/topologyFlags.ts';
import { RUN_SETTINGS } from '../../cli/runCommand.ts';
import { UsageError } from '../../cli/UsageError.ts';
import { featureColumns } from '../../processors/marketTopology.ts';

describe('--max-price-move', () => {
  it.each([
    [undefined, 10],
    ['10', 10],
    ['2.5', 2.5],
    ['off', Infinity],
  ])('%s → a factor of %s', (raw, factor) => {
    expect(topologyFlagOptions({ 'max-price-move': raw }).clean.maxPriceMove).toBe(factor);
  });

  it.each(['1', '0.5', '-10', 'ten', '', 'Infinity'])('"%s" stops start-up with a message naming the flag', (raw) => {
    expect(() => topologyFlagOptions({ 'max-price-move': raw })).toThrow(UsageError);
    expect(() => topologyFlagOptions({ 'max-price-move': raw })).toThrow(/--max-price-move/);
  });

  it('is a setting of run as well as of backfill', () => expect(RUN_SETTINGS['max-price-move']).toBeDefined());
});

describe('--periods and --rsi-smoothing', () => {
  it('both reach the RSI', () => {
    expect(topologyFlagOptions({ periods: 'rsi=7', 'rsi-smoothing': 'simple' }).periods.rsi).toEqual({ period: 7, smoothing: 'simple' });
    expect(topologyFlagOptions({}).periods.rsi).toEqual({ period: 14, smoothing: 'wilder' });
  });
});

describe('--periods stoch', () => {
  it('adds stoch_k and stoch_d after the default columns, which stay the shared convention', () => {
    const columns = featureColumns({ ...topologyFlagOptions({}), externalSignals: [] });
    expect(columns).not.toContain('stoch_k');
    for (const spec of ['stoch', 'stoch=14,3,3']) {
      const options = topologyFlagOptions({ periods: spec });
      expect(options.periods.stoch).toEqual({ fastK: 14, slowK: 3, slowD: 3 });
      expect(featureColumns({ ...options, externalSignals: [] })).toEqual([...columns, 'stoch_k', 'stoch_d']);
    }
    expect(topologyFlagOptions({ periods: 'stoch=5,3,2' }).periods.stoch).toEqual({ fastK: 5, slowK: 3, slowD: 2 });
  });

  it.each(['stoch=14,3', 'stoch=14,3.5,3', 'stoch=0,3,3', 'stoch='])('"%s" stops start-up with a message naming the flag', (spec) => {
    expect(() => topologyFlagOptions({ periods: spec })).toThrow(UsageError);
    expect(() => topologyFlagOptions({ periods: spec })).toThrow(`--periods: "${spec}"`);
  });
});
