import type { Candle } from '../../market/Candle.ts';
import { Sma } from './Sma.ts';
import { Ema } from './Ema.ts';
import { Rsi } from './Rsi.ts';
import { Macd } from './Macd.ts';
import { BollingerBands } from './BollingerBands.ts';
import { Atr } from './Atr.ts';
import { Vwap } from './Vwap.ts';

export interface IndicatorPeriods {
  sma: readonly number[];
  ema: readonly number[];
  rsi: number;
  rsiSmoothing: 'wilder' | 'simple';
  macd: readonly [fast: number, slow: number, signal: number];
  bollinger: { period: number; deviations: number };
  atr: number;
}

export const DEFAULT_PERIODS: IndicatorPeriods = {
  sma: [14, 50],
  ema: [12, 26],
  rsi: 14,
  rsiSmoothing: 'wilder',
  macd: [12, 26, 9],
  bollinger: { period: 20, deviations: 2 },
  atr: 14,
};

/** Output columns, in order, for the given periods (the defaults give the shared convention's names). */
export function indicatorColumns(p: IndicatorPeriods): string[] {
  return [
    ...p.sma.map((n) => `sma_${n}`),
    ...p.ema.map((n) => `ema_${n}`),
    `rsi_${p.rsi}`,
    'macd', 'macd_signal', 'macd_hist',
    'bb_upper', 'bb_middle', 'bb_lower',
    'vwap',
    `atr_${p.atr}`,
  ];
}

type Snapshot = { sma: unknown[]; ema: unknown[]; rsi: unknown; macd: unknown; bb: unknown; atr: unknown; vwap: unknown };

/** Every indicator of one symbol and interval, fed one closed candle at a time. */
export class IndicatorSet {
  readonly #columns: string[];
  readonly #sma: Sma[];
  readonly #ema: Ema[];
  readonly #rsi: Rsi;
  readonly #macd: Macd;
  readonly #bb: BollingerBands;
  readonly #atr: Atr;
  readonly #vwap: Vwap;

  constructor(p: IndicatorPeriods, saved?: unknown) {
    const s = saved as Snapshot | undefined;
    this.#columns = indicatorColumns(p);
    this.#sma = p.sma.map((n, i) => new Sma(n, s?.sma[i] as never));
    this.#ema = p.ema.map((n, i) => new Ema(n, s?.ema[i] as never));
    this.#rsi = new Rsi(p.rsi, { smoothing: p.rsiSmoothing }, s?.rsi as never);
    this.#macd = new Macd(p.macd[0], p.macd[1], p.macd[2], s?.macd as never);
    this.#bb = new BollingerBands(p.bollinger.period, p.bollinger.deviations, s?.bb as never);
    this.#atr = new Atr(p.atr, s?.atr as never);
    this.#vwap = new Vwap(s?.vwap as never);
  }

  /** Feed one closed candle; writes each indicator column (null during its lookback) into `out`. */
  update(c: Candle, out: Record<string, unknown>): void {
    const columns = this.#columns;
    let i = 0;
    for (const sma of this.#sma) out[columns[i++]] = sma.update(c.close);
    for (const ema of this.#ema) out[columns[i++]] = ema.update(c.close);
    out[columns[i++]] = this.#rsi.update(c.close);
    const macd = this.#macd.update(c.close);
    out[columns[i++]] = macd?.macd ?? null;
    out[columns[i++]] = macd?.signal ?? null;
    out[columns[i++]] = macd?.hist ?? null;
    const bb = this.#bb.update(c.close);
    out[columns[i++]] = bb?.upper ?? null;
    out[columns[i++]] = bb?.middle ?? null;
    out[columns[i++]] = bb?.lower ?? null;
    out[columns[i++]] = this.#vwap.update(c.ts, c.high, c.low, c.close, c.volume);
    // eslint-disable-next-line no-useless-assignment -- i++ as on every line above, so lines can be added or reordered
    out[columns[i++]] = this.#atr.update(c.high, c.low, c.close);
  }

  /** Called by JSON.stringify when the store flushes. */
  toJSON(): Snapshot {
    return {
      sma: this.#sma.map((x) => x.snapshot()),
      ema: this.#ema.map((x) => x.snapshot()),
      rsi: this.#rsi.snapshot(),
      macd: this.#macd.snapshot(),
      bb: this.#bb.snapshot(),
      atr: this.#atr.snapshot(),
      vwap: this.#vwap.snapshot(),
    };
  }
}
