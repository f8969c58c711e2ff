import type { Indicator } from './Indicator.ts';
import { defineIndicator } from './IndicatorDefinition.ts';

const DAY = 86_400_000;

export interface VwapState {
  day: number | null;
  priceVolume: number;
  volume: number;
}

/**
 * Volume-weighted average price of the typical price (h + l + c) / 3, anchored to the UTC day: the
 * sums restart with the first candle of each day. TA-Lib has no VWAP; null while the day has no volume.
 */
export class Vwap implements Indicator<[number, number, number, number, number], number> {
  #day: number | null;
  #priceVolume: number;
  #volume: number;

  constructor(saved?: VwapState) {
    this.#day = saved?.day ?? null;
    this.#priceVolume = saved?.priceVolume ?? 0;
    this.#volume = saved?.volume ?? 0;
  }

  update(ts: number, high: number, low: number, close: number, volume: number): number | null {
    const day = Math.floor(ts / DAY);
    if (day !== this.#day) {
      this.#day = day;
      this.#priceVolume = 0;
      this.#volume = 0;
    }
    this.#priceVolume += ((high + low + close) / 3) * volume;
    this.#volume += volume;
    return this.#volume > 0 ? this.#priceVolume / this.#volume : null;
  }

  snapshot(): VwapState {
    return { day: this.#day, priceVolume: this.#priceVolume, volume: this.#volume };
  }
}

/** vwap, anchored to the UTC day; it takes no periods. */
export const VWAP = defineIndicator({
  name: 'vwap',
  defaults: {},
  byDefault: true,
  columns: () => ['vwap'],
  create(_, saved) {
    const vwap = new Vwap(saved as VwapState | undefined);
    return {
      update(c, out) {
        out.vwap = vwap.update(c.ts, c.high, c.low, c.close, c.volume);
      },
      snapshot: () => vwap.snapshot(),
    };
  },
});
