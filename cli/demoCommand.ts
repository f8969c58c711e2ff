import { existsSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { backfillCommand } from './backfillCommand.ts';
import { showCommand } from './showCommand.ts';
import { packageRoot } from './packageRoot.ts';
import { resolveSettings, SETTINGS_HELP } from './settings.ts';
import { UsageError } from './UsageError.ts';

export const DEMO_HELP = `Usage: candlestream demo [--out DIR]

The offline demo, no Kafka needed: replays the sample data that comes with candlestream (BTC-USDT
and BTC-USDC 1-minute candles, 1-21 March 2023, and the daily Fear & Greed index) through the
topology, as \`candlestream backfill\` does, then prints what \`candlestream show\` prints for it.

  --out DIR   where it writes (default ./candlestream-demo): the features as a Parquet dataset in
              DIR/features, rejected records in DIR/dead-letter.jsonl, the stores in DIR/state.
              A new or empty directory, or an earlier demo's, whose output a re-run replaces;
              a directory that holds anything else is refused
${SETTINGS_HELP}`;

export const DEMO_SETTINGS = {
  out: { type: 'string', default: 'candlestream-demo' },
} as const;

/** Marks a directory as a demo's output: the one non-empty directory a demo writes into. */
export const DEMO_MARKER = '.candlestream-demo';

export async function demoCommand(args: string[]): Promise<void> {
  const { out } = resolveSettings(DEMO_SETTINGS, args, process.env);
  const data = sampleData();
  await claimOutput(out);
  const features = join(out, 'features');
  await backfillCommand([
    ...['--source', join(data, 'candles'), '--external', join(data, 'external', 'fear_and_greed_index_daily.csv')],
    ...['--sink', `parquet:${features}`, '--dead-letter', `jsonl:${join(out, 'dead-letter.jsonl')}`],
    ...['--state-dir', join(out, 'state'), '--fresh', '--mode', 'overwrite'],
  ]);
  await showCommand([features]);
}

/** The sample data beside the code (the repo's or the installed package's data/), not the current directory's. */
function sampleData(): string {
  const root = packageRoot();
  const data = root && join(root, 'data');
  if (!data || !existsSync(join(data, 'candles')))
    throw new Error(`the sample data is missing: no data/candles in ${root ?? 'candlestream'}`);
  return data;
}

/** Makes `out` the demo's: new, empty, or an earlier demo's; anything else is someone's data and refused. */
async function claimOutput(out: string): Promise<void> {
  const found = await stat(out).catch(() => undefined);
  if (found && !found.isDirectory()) throw new UsageError(`--out ${out} is a file, not a directory`);
  const entries = found ? await readdir(out) : [];
  if (entries.length && !entries.includes(DEMO_MARKER))
    throw new UsageError(`--out ${out} holds files the demo did not write: name a new or empty directory`);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, DEMO_MARKER), 'Written by `candlestream demo`; a re-run replaces what it wrote here.\n');
}
