import { describe, expect, it } from 'vitest';
import { topologyFlagOptions } from '../../cli/topologyFlags.ts';
import { RUN_SETTINGS } from '../../cli/runCommand.ts';
import { UsageError } from '../../cli/UsageError.ts';

describe('--max-price-move', () => {
  it.each([[undefined, 10], ['10', 10], ['2.5', 2.5], ['off', Infinity]])('%s → a factor of %s', (raw, factor) => {
    expect(topologyFlagOptions({ 'max-price-move': raw }).clean.maxPriceMove).toBe(factor);
  });

  it.each(['1', '0.5', '-10', 'ten', '', 'Infinity'])('"%s" stops start-up with a message naming the flag', (raw) => {
    expect(() => topologyFlagOptions({ 'max-price-move': raw })).toThrow(UsageError);
    expect(() => topologyFlagOptions({ 'max-price-move': raw })).toThrow(/--max-price-move/);
  });

  it('is a setting of run as well as of backfill', () => expect(RUN_SETTINGS['max-price-move']).toBeDefined());
});
