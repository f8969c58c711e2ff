import { featureColumns, type MarketTopologyOptions } from '../processors/marketTopology.ts';
import { featureColumnsOf } from '../models/featureVector.ts';
import { ModelDirectory, type ModelDirectoryOptions } from '../models/ModelDirectory.ts';
import { UsageError } from './UsageError.ts';

export const MODEL_HELP = `  --model DIR              score signals with an ONNX model instead of the built-in rule: DIR holds
                           manifest.json and model.onnx, or versions of them in subdirectories
                           (DIR/1, DIR/2, …; the highest is used). Signals are of the model's interval.`;

/** How the topology gives signals: for which intervals, and scored by which model (none: the built-in rule). */
export type SignalOptions = Pick<MarketTopologyOptions, 'signalIntervals' | 'model'>;

/** What a model is checked against: the candles the topology makes and the features it writes. */
export type ModelFit = Pick<MarketTopologyOptions, 'candles' | 'periods' | 'externalSignals'>;

/**
 * `--model DIR`: load the model, and the signal options that score its interval with it. A model that
 * does not check out, or does not fit the topology, stops start-up here with the reason.
 */
export async function useModel(
  dir: string,
  topology: ModelFit,
  signalIntervalsFlag: string | undefined,
  options: Omit<ModelDirectoryOptions, 'columns'>,
): Promise<{ models: ModelDirectory; signals: SignalOptions }> {
  let models: ModelDirectory;
  try {
    models = await ModelDirectory.open(dir, { ...options, columns: featureColumns(topology) });
  } catch (e) {
    throw new UsageError(`--model ${dir}: ${(e as Error).message}`);
  }
  const { interval, manifest } = { interval: models.interval, manifest: models.current().manifest };
  const fail = async (message: string) => {
    await models.close();
    throw new UsageError(message);
  };
  const intervals = topology.candles.intervals;
  if (!intervals.includes(interval)) {
    await fail(`--model ${dir} scores ${interval} candles: add ${interval} to --intervals (${intervals.join(',')})`);
  }
  if (signalIntervalsFlag !== undefined && signalIntervalsFlag.trim() !== interval) {
    await fail(`--signal-intervals ${signalIntervalsFlag}: with --model, signals are of the model's interval, ${interval}`);
  }
  return { models, signals: { signalIntervals: [interval], model: { source: models, reads: featureColumnsOf(manifest.features) } } };
}
