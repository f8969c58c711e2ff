import type { Candle } from '../Candle.ts';
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

  update(c: Candle): Record<string, number | null> {
    const values: (number | null)[] = [];
    for (const sma of this.#sma) values.push(sma.update(c.close));
    for (const ema of this.#ema) values.push(ema.update(c.close));
    values.push(this.#rsi.update(c.close));
    const macd = this.#macd.update(c.close);
    values.push(macd?.macd ?? null, macd?.signal ?? null, macd?.hist ?? null);
    const bb = this.#bb.update(c.close);
    values.push(bb?.upper ?? null, bb?.middle ?? null, bb?.lower ?? null);
    values.push(this.#vwap.update(c.ts, c.high, c.low, c.close, c.volume));
    values.push(this.#atr.update(c.high, c.low, c.close));
    const out: Record<string, number | null> = {};
    for (let i = 0; i < values.length; i++) out[this.#columns[i]] = values[i];
    return out;
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
