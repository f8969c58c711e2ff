import { describeTopology, topologyMermaid } from '../topology/describeTopology.ts';
import { buildMarketTopology, defaultMarketOptions } from '../processors/marketTopology.ts';
import { UsageError } from './UsageError.ts';
import { resolveSettings, SETTINGS_HELP } from './settings.ts';
import { externalFileNames, signalIntervals, topologyFlagOptions, TOPOLOGY_FLAGS, TOPOLOGY_HELP } from './topologyFlags.ts';

export const DESCRIBE_HELP = `Usage: candlestream describe [options]

Prints the topology that \`run\` and \`backfill --signals\` run, then the same graph as Mermaid.
${SETTINGS_HELP}
${TOPOLOGY_HELP}
  --signal-intervals LIST  intervals whose closed candles give a signal (default 1m)
  --format text|mermaid|both   what to print (default both)`;

export const DESCRIBE_SETTINGS = {
  ...TOPOLOGY_FLAGS,
  'signal-intervals': { type: 'string', default: '1m' },
  format: { type: 'string', default: 'both' },
} as const;

export async function describeCommand(args: string[]): Promise<void> {
  const s = resolveSettings(DESCRIBE_SETTINGS, args, process.env);
  const flags = topologyFlagOptions(s);
  const market = defaultMarketOptions({
    ...flags,
    externalSignals: externalFileNames(s.external),
    signalIntervals: signalIntervals(s['signal-intervals'], flags.candles.intervals),
  });
  const topology = buildMarketTopology(market);
  const format = s.format;
  if (format !== 'text' && format !== 'mermaid' && format !== 'both')
    throw new UsageError(`--format must be text, mermaid or both, not "${format}"`);
  if (format !== 'mermaid') console.log(describeTopology(topology));
  if (format === 'both') console.log('');
  if (format !== 'text') console.log('```mermaid\n' + topologyMermaid(topology) + '\n```');
}
