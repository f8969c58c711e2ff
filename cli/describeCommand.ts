import { parseArgs } from 'node:util';
import { describeTopology, topologyMermaid } from '../topology/describeTopology.ts';
import { buildMarketTopology } from '../processors/marketTopology.ts';
import { UsageError } from './UsageError.ts';
import { marketOptionsFrom, signalIntervals, TOPOLOGY_FLAGS, TOPOLOGY_HELP } from './topologyFlags.ts';

export const DESCRIBE_HELP = `Usage: candlestream describe [options]

Prints the topology that \`run\` and \`backfill --signals\` run, then the same graph as Mermaid.
${TOPOLOGY_HELP}
  --signal-intervals LIST  intervals whose closed candles give a signal (default 1m)
  --format text|mermaid|both   what to print (default both)`;

export async function describeCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { ...TOPOLOGY_FLAGS, 'signal-intervals': { type: 'string', default: '1m' }, format: { type: 'string', default: 'both' } }, strict: true });
  const market = marketOptionsFrom(values);
  market.signalIntervals = signalIntervals(values['signal-intervals'], market.candles.intervals);
  const topology = buildMarketTopology(market);
  const format = values.format;
  if (format !== 'text' && format !== 'mermaid' && format !== 'both') throw new UsageError(`--format must be text, mermaid or both, not "${format}"`);
  if (format !== 'mermaid') console.log(describeTopology(topology));
  if (format === 'both') console.log('');
  if (format !== 'text') console.log('```mermaid\n' + topologyMermaid(topology) + '\n```');
}
