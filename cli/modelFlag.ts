import { featureColumns, type MarketTopologyOptions } from '../processors/marketTopology.ts';
import { featureColumnsOf } from '../models/featureVector.ts';
import { ModelDirectory, type ModelDirectoryOptions } from '../models/ModelDirectory.ts';
import { UsageError } from './UsageError.ts';

export const MODEL_HELP = `  --model DIR              score signals with an ONNX model instead of the built-in rule: DIR holds
                           manifest.json and model.onnx, or versions of them in subdirectories
                           (DIR/1, DIR/2, …; the highest is used). Signals are of the model's interval.`;

/**
 * `--model DIR`: load the model and set the topology up to score its interval. A model that does not
 * check out, or does not fit the topology's options, stops start-up here with the reason.
 */
export async function useModel(
  dir: string,
  market: MarketTopologyOptions,
  signalIntervalsFlag: string | undefined,
  options: Omit<ModelDirectoryOptions, 'columns'>,
): Promise<ModelDirectory> {
  let models: ModelDirectory;
  try {
    models = await ModelDirectory.open(dir, { ...options, columns: featureColumns(market) });
  } catch (e) {
    throw new UsageError(`--model ${dir}: ${(e as Error).message}`);
  }
  const { interval, manifest } = { interval: models.interval, manifest: models.current().manifest };
  const fail = async (message: string) => {
    await models.close();
    throw new UsageError(message);
  };
  if (!market.candles.intervals.includes(interval)) await fail(`--model ${dir} scores ${interval} candles: add ${interval} to --intervals (${market.candles.intervals.join(',')})`);
  if (signalIntervalsFlag !== undefined && signalIntervalsFlag.trim() !== interval) {
    await fail(`--signal-intervals ${signalIntervalsFlag}: with --model, signals are of the model's interval, ${interval}`);
  }
  market.signalIntervals = [interval];
  market.model = { source: models, reads: featureColumnsOf(manifest.features) };
  return models;
}
