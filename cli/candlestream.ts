#!/usr/bin/env node
import { backfillCommand, BACKFILL_HELP } from './backfillCommand.ts';
import { describeCommand, DESCRIBE_HELP } from './describeCommand.ts';
import { showCommand, SHOW_HELP } from './showCommand.ts';
import { runCommand, RUN_HELP } from './runCommand.ts';
import { publishCommand, PUBLISH_HELP } from './publishCommand.ts';
import { archiveCommand, ARCHIVE_HELP } from './archiveCommand.ts';
import { importCommand, IMPORT_HELP } from './importCommand.ts';
import { tailCommand, TAIL_HELP } from './tailCommand.ts';
import { trainCommand, TRAIN_HELP } from './trainCommand.ts';
import { demoCommand, DEMO_HELP } from './demoCommand.ts';
import { SETTINGS_HELP } from './settings.ts';
import { UsageError } from './UsageError.ts';
import { didYouMean } from './didYouMean.ts';
import { explain, plainSystemText } from './explain.ts';
import { packageVersion } from './packageVersion.ts';

const HELP = `candlestream: a Kafka Streams-style stream processor for crypto market data

Usage: candlestream <command> [options]

Commands:
  run        the live service: consume prices from Kafka, publish signals (and features)
  backfill   replay candle history (CSV, Parquet) through the topology into features
  describe   print the processor topology, as text and as a Mermaid diagram
  show       print a summary and the last rows of a features or signals output
  publish    publish candle history and external signals to Kafka (a feed for run)
  archive    land the raw prices topic as Parquet (local or HDFS), partitioned symbol=…/date=…
  import     land exchange exports (CSV, zip) as Parquet (local or HDFS), partitioned symbol=…/date=…
  tail       print a topic's records as they arrive (signals as one line each)
  train      train price-movement classifiers on backfilled features; export ONNX for --model
  demo       the offline demo: replay the bundled sample data into ./candlestream-demo, then show it
  help       this text; \`candlestream <command> --help\` for a command's options
  --version  the version

${SETTINGS_HELP}

Exit codes: 0 done; 1 bad input or I/O failure (the message names the file and column);
2 bad command line or configuration (the message names the setting).`;

const commands: Record<string, { run: (args: string[]) => Promise<void>; help: string }> = {
  run: { run: runCommand, help: RUN_HELP },
  publish: { run: publishCommand, help: PUBLISH_HELP },
  archive: { run: archiveCommand, help: ARCHIVE_HELP },
  import: { run: importCommand, help: IMPORT_HELP },
  tail: { run: tailCommand, help: TAIL_HELP },
  backfill: { run: backfillCommand, help: BACKFILL_HELP },
  describe: { run: describeCommand, help: DESCRIBE_HELP },
  show: { run: showCommand, help: SHOW_HELP },
  train: { run: trainCommand, help: TRAIN_HELP },
  demo: { run: demoCommand, help: DEMO_HELP },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(HELP);
    return name ? 0 : 2;
  }
  if (name === '--version') {
    console.log(packageVersion());
    return 0;
  }
  const command = commands[name];
  if (!command) {
    const suggestion = didYouMean(name, [...Object.keys(commands), 'help', '--version']);
    console.error(`candlestream: unknown command "${name}"${suggestion || ` (commands: ${Object.keys(commands).join(', ')})`}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  try {
    await command.run(args);
    // A service (run, archive) that stopped after a failure has logged why and set the exit code.
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    if (error instanceof UsageError || String((error as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS')) {
      console.error(`candlestream ${name}: ${plainSystemText((error as Error).message)}\nSee \`candlestream ${name} --help\`.`);
      return 2;
    }
    console.error(`candlestream ${name}: ${explain(error)}`);
    if (process.env.CANDLESTREAM_DEBUG) console.error((error as Error).stack);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
