import { DEFAULT_PERIODS, type IndicatorPeriods } from '../processors/indicators/IndicatorSet.ts';
import { UsageError } from './UsageError.ts';

/**
 * `sma=20,100;rsi=7;macd=5,13,4;bb=10,1.5` → indicator periods, each part overriding the default
 * (sma=14,50 ema=12,26 rsi=14 macd=12,26,9 bb=20,2 atr=14). Column names follow: sma_20, rsi_7…
 */
export function periodsSpec(spec: string | undefined, rsiSmoothing: 'wilder' | 'simple'): IndicatorPeriods {
  const periods: IndicatorPeriods = { ...DEFAULT_PERIODS, rsiSmoothing };
  if (!spec) return periods;
  for (const part of spec.split(';').map((p) => p.trim()).filter(Boolean)) {
    const [name, list = ''] = part.split('=');
    const numbers = list.split(',').map(Number);
    const bad = (why: string) => new UsageError(`--periods: "${part}" ${why}`);
    if (!list || numbers.some((n) => !Number.isFinite(n) || n <= 0)) throw bad('needs positive numbers after =');
    const whole = (count: number) => {
      if (numbers.length !== count || numbers.some((n) => !Number.isInteger(n))) throw bad(`needs ${count} whole number${count > 1 ? 's' : ''}`);
      return numbers;
    };
    switch (name.trim()) {
      case 'sma':
      case 'ema':
        if (numbers.some((n) => !Number.isInteger(n)) || new Set(numbers).size !== numbers.length) throw bad('needs distinct whole numbers');
        periods[name.trim() as 'sma' | 'ema'] = numbers;
        break;
      case 'rsi':
        periods.rsi = whole(1)[0];
        break;
      case 'atr':
        periods.atr = whole(1)[0];
        break;
      case 'macd': {
        const [fast, slow, signal] = whole(3);
        periods.macd = [fast, slow, signal];
        break;
      }
      case 'bb':
        if (numbers.length !== 2 || !Number.isInteger(numbers[0])) throw bad('needs a whole period and a number of deviations');
        periods.bollinger = { period: numbers[0], deviations: numbers[1] };
        break;
      default:
        throw bad('names no indicator (sma, ema, rsi, macd, bb, atr)');
    }
  }
  return periods;
}
