import { parseArgs } from 'node:util';
import { describeTopology, topologyMermaid } from '../topology/describeTopology.ts';
import { buildMarketTopology } from '../processors/marketTopology.ts';
import { UsageError } from './UsageError.ts';
import { marketOptionsFrom, TOPOLOGY_FLAGS, TOPOLOGY_HELP } from './topologyFlags.ts';

export const DESCRIBE_HELP = `Usage: candlestream describe [options]

Prints the topology that \`backfill\` (and the live service) runs, then the same graph as Mermaid.
${TOPOLOGY_HELP}
  --format text|mermaid|both   what to print (default both)`;

export async function describeCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { ...TOPOLOGY_FLAGS, format: { type: 'string', default: 'both' } }, strict: true });
  const topology = buildMarketTopology(marketOptionsFrom(values));
  const format = values.format;
  if (format !== 'text' && format !== 'mermaid' && format !== 'both') throw new UsageError(`--format must be text, mermaid or both, not "${format}"`);
  if (format !== 'mermaid') console.log(describeTopology(topology));
  if (format === 'both') console.log('');
  if (format !== 'text') console.log('```mermaid\n' + topologyMermaid(topology) + '\n```');
}
