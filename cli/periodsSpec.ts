import { BadPeriods, type IndicatorDefinition } from '../processors/indicators/IndicatorDefinition.ts';
import { DEFAULT_PERIODS, INDICATORS, type IndicatorPeriods } from '../processors/indicators/registry.ts';
import { UsageError } from './UsageError.ts';

/**
 * `sma=20,100;rsi=7;macd=5,13,4;bb=10,1.5` → indicator periods, each part overriding an indicator's
 * defaults (see the registry); an indicator that is off by default is turned on by its name alone or
 * with its numbers. Column names follow: sma_20, rsi_7…
 */
export function periodsSpec(spec: string | undefined): IndicatorPeriods {
  const periods: Record<string, unknown> = { ...DEFAULT_PERIODS };
  if (!spec) return periods as IndicatorPeriods;
  const configurable = (INDICATORS as readonly IndicatorDefinition[]).filter((d) => d.parse);
  for (const part of spec
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, list] = part.split('=').map((s) => s.trim());
    const bad = (why: string) => new UsageError(`--periods: "${part}" ${why}`);
    const definition = configurable.find((d) => d.name === name);
    if (!definition) throw bad(`names no indicator (${configurable.map((d) => d.name).join(', ')})`);
    if (list === undefined && !definition.byDefault) {
      periods[name] = definition.defaults;
      continue;
    }
    const numbers = (list ?? '').split(',').map(Number);
    if (!list || numbers.some((n) => !Number.isFinite(n) || n <= 0)) throw bad('needs positive numbers after =');
    try {
      periods[name] = definition.parse!(numbers);
    } catch (e) {
      if (e instanceof BadPeriods) throw bad(e.message);
      throw e;
    }
  }
  return periods as IndicatorPeriods;
}
