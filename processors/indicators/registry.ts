import type { IndicatorDefinition } from './IndicatorDefinition.ts';
import { SMA } from './Sma.ts';
import { EMA } from './Ema.ts';
import { RSI } from './Rsi.ts';
import { MACD } from './Macd.ts';
import { BOLLINGER } from './BollingerBands.ts';
import { VWAP } from './Vwap.ts';
import { ATR } from './Atr.ts';
import { STOCH } from './Stochastic.ts';

/** Every indicator, in the order of its columns (the defaults' order is the shared convention's). */
export const INDICATORS = [
  SMA, // sma_14, sma_50
  EMA, // ema_12, ema_26
  RSI, // rsi_14
  MACD, // macd, macd_signal, macd_hist
  BOLLINGER, // bb_upper, bb_middle, bb_lower
  VWAP, // vwap
  ATR, // atr_14
  STOCH, // stoch_k, stoch_d: off unless --periods names it
] as const;

type Definition = (typeof INDICATORS)[number];
type ParamsOf<D> = D extends IndicatorDefinition<string, infer Params> ? Params : never;

/** The parameters of each indicator in use, by name: those on by default always, the others when `--periods` names them. */
export type IndicatorPeriods = { readonly [D in Definition as D['byDefault'] extends true ? D['name'] : never]: ParamsOf<D> } & {
  readonly [D in Definition as D['byDefault'] extends true ? never : D['name']]?: ParamsOf<D>;
};

export const DEFAULT_PERIODS = Object.fromEntries(
  INDICATORS.filter((d) => d.byDefault).map((d) => [d.name, d.defaults]),
) as IndicatorPeriods;

/** The indicators these periods turn on, each with its parameters, in column order. */
export function indicatorsInUse(periods: IndicatorPeriods): { definition: IndicatorDefinition; params: unknown }[] {
  const inUse = [];
  for (const definition of INDICATORS as readonly IndicatorDefinition[]) {
    const params = (periods as Record<string, unknown>)[definition.name];
    if (params !== undefined) inUse.push({ definition, params });
  }
  return inUse;
}
