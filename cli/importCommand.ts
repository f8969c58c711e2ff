import { join } from 'node:path';
import { importExports, type ImportOptions, type ImportSummary } from '../landing/import/importRun.ts';
import { JsonlWriter } from '../io/JsonlWriter.ts';
import { DEFAULT_MAX_LINE_BYTES } from '../io/lineBatches.ts';
import { normalizeSymbol } from '../market/normalizeSymbol.ts';
import { intervalMs } from '../market/interval.ts';
import { COMMIT_EVERY_LIMIT, timeFlag, wholeNumber } from './flagValues.ts';
import { HDFS_FLAGS, HDFS_HELP, hdfsSettings } from './hdfsFlags.ts';
import { refuseSpecialJsonlFile } from './jsonlSinkFile.ts';
import { progressReporter } from './progress.ts';
import { resolveSettings, SETTINGS_HELP, type SettingsOf } from './settings.ts';
import { UsageError } from './UsageError.ts';

export const IMPORT_HELP = `Usage: candlestream import --source <file|dir|zip>... --out <DIR|hdfs://…> [options]

Lands exchange exports as a Parquet dataset that backfill --source reads (stage 1 of the pipeline):
one row per candle with columns ts (open time, TIMESTAMP(MILLIS, UTC)), open, high, low, close,
volume (DOUBLE), exchange and interval, partitioned symbol=…/date=… (the UTC day of ts, Hive style).
A dataset imported before ts was a TIMESTAMP (INT64) is still read by backfill, but not added to.
A row is read as backfill's Clean stage reads it (times in s, ms, µs or ns, or ISO-8601; symbols
normalised, BTCUSDT → BTC-USDT); one it would reject is not landed but goes to the dead-letter file.
${SETTINGS_HELP}

Input:
  --source LOCATION        a CSV file, a zip archive (every .csv member, streamed, not unpacked), or
                           a directory of them, local or hdfs://… (repeatable): Binance klines
                           (header-less, or with a header) and data-vision zips, Kraken OHLCVT
                           (6 or 7 columns), any CSV with a header (time column + open, high, low,
                           close, volume)
  --symbol S               symbol for files without a symbol column (default: from the path, e.g.
                           symbol=BTC-USDT/, or the file name, e.g. BTCUSDT-1m-2024-01.zip)
  --exchange NAME          exchange for rows without one (default: from the file name, else unknown)
  --interval I             interval for rows without one (default: from the file name, e.g.
                           BTCUSDT-1m-2024-01.zip, XBTUSD_60.csv; else 1m)
  --from T, --to T         only candles with from ≤ ts < to (ISO-8601 or epoch s/ms/µs/ns)
  --on-error fail|skip     a file that cannot be read (not a zip, corrupt, truncated, unknown layout,
                           missing column): stop with its name and the reason (fail, default), or
                           skip it (or its unread rest) and say so. Every file is checked before
                           anything is written
${HDFS_HELP}
Output:
  --out LOCATION           the dataset's directory, local or hdfs://… (required). A partition that
                           gets rows is rewritten as one file: the rows it had and the new ones, one
                           per (exchange, interval, ts), the imported row replacing an existing one,
                           sorted by ts; written under a hidden name, renamed into place, then the
                           files it replaces removed. Importing the same export again changes nothing
  --dead-letter URI        rows that cannot be read (bad time, non-numeric price, wrong number of
                           columns…) as JSON lines {reason, detail, source, line, original}, appended
                           to jsonl:FILE, created with its first line (default: _dead-letter.jsonl in
                           --out, a name Spark, Hive and backfill --source skip; for an hdfs:// --out,
                           import-dead-letter.jsonl here), or - for stdout. The same import again
                           (same flags and files) replaces the lines it added
  --commit-every N         rows held in memory before the partitions they fill are written
                           (default 250000)
  --max-line-bytes N       longest line a CSV may have (default 1048576): a longer one stops the
                           import naming the file and the line (--on-error skip: the rest of the
                           file is skipped, and said so)
  --quiet                  no progress or summary on stderr

Exit codes: 0 done (rejected rows are counted in the summary, not an error); 1 a file cannot be
read or written (the message names it); 2 a bad flag.`;

export const IMPORT_FLAGS = {
  source: { type: 'string', multiple: true, default: [] as string[] },
  symbol: { type: 'string' },
  exchange: { type: 'string' },
  interval: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  'on-error': { type: 'string', default: 'fail' },
  ...HDFS_FLAGS,
  out: { type: 'string' },
  'dead-letter': { type: 'string' },
  'commit-every': { type: 'string', default: '250000' },
  'max-line-bytes': { type: 'string', default: String(DEFAULT_MAX_LINE_BYTES) },
  quiet: { type: 'boolean', default: false },
} as const;

type ImportSettings = SettingsOf<typeof IMPORT_FLAGS>;

export async function importCommand(args: string[]): Promise<void> {
  const job = importJob(resolveSettings(IMPORT_FLAGS, args, process.env));
  // Appended to: dead letters of earlier imports are kept (importExports starts it).
  const deadLetter = new JsonlWriter(job.deadLetterPath, 'append');
  let summary: ImportSummary;
  try {
    summary = await importExports({ ...job.options, deadLetter });
  } finally {
    await deadLetter.close();
  }
  if (!job.s.quiet) report(summary, job);
}

/** The flags, checked (a bad one stops start-up, naming it), as importExports' options. */
interface ImportJob {
  readonly s: ImportSettings;
  readonly out: string;
  readonly options: Omit<ImportOptions, 'deadLetter'>;
  /** undefined: standard output. */
  readonly deadLetterPath: string | undefined;
}

function importJob(s: ImportSettings): ImportJob {
  if (!s.source.length) throw new UsageError('--source is required: a CSV file, a zip archive, or a directory of them');
  if (!s.out) throw new UsageError('--out is required: the dataset directory, local or hdfs://…');
  if (s.symbol !== undefined && !normalizeSymbol(s.symbol))
    throw new UsageError(`--symbol: "${s.symbol}" is not a pair (e.g. BTCUSDT, BTC-USDT, XBT/USD)`);
  if (s.interval !== undefined) {
    try {
      intervalMs(s.interval);
    } catch (e) {
      throw new UsageError(`--interval: ${(e as Error).message}`);
    }
  }
  const from = s.from === undefined ? -Infinity : timeFlag(s.from, '--from');
  const to = s.to === undefined ? Infinity : timeFlag(s.to, '--to');
  if (from >= to) throw new UsageError(`--from must be before --to`);
  const onError = s['on-error'];
  if (onError !== 'fail' && onError !== 'skip') throw new UsageError(`--on-error must be fail or skip, not "${onError}"`);
  const commitEvery = wholeNumber(s['commit-every'], '--commit-every', 1, COMMIT_EVERY_LIMIT);
  const maxLineBytes = wholeNumber(s['max-line-bytes'], '--max-line-bytes', 64);
  const deadLetterUri = s['dead-letter'] ?? defaultDeadLetter(s.out);
  const deadLetterPath = deadLetterUri === '-' ? undefined : /^jsonl:(.+)$/.exec(deadLetterUri)?.[1];
  if (deadLetterUri !== '-' && !deadLetterPath)
    throw new UsageError(`--dead-letter: cannot write to "${deadLetterUri}": use jsonl:FILE or -`);
  if (deadLetterPath) refuseSpecialJsonlFile('--dead-letter', deadLetterPath);
  const options: ImportJob['options'] = {
    sources: s.source,
    out: s.out,
    hdfs: hdfsSettings(s),
    defaults: { symbol: s.symbol, exchange: s.exchange, interval: s.interval },
    from,
    to,
    onError,
    commitEvery,
    maxLineBytes,
    onProgress: progressReporter('import', s.quiet),
    onSkip: (message) => s.quiet || process.stderr.write(`import: ${message}\n`),
  };
  return { s, out: s.out, options, deadLetterPath };
}

/** Beside the rows it explains, under a name dataset readers skip; a local file for a dataset on HDFS. */
function defaultDeadLetter(out: string): string {
  return /^[a-z]+:\/\//i.test(out) ? 'jsonl:import-dead-letter.jsonl' : `jsonl:${join(out, '_dead-letter.jsonl')}`;
}

function report(summary: ImportSummary, job: ImportJob): void {
  const n = (x: number) => x.toLocaleString('en-US');
  const seconds = summary.elapsedMs / 1000;
  const rejected = [...summary.rejected].sort(([a], [b]) => (a < b ? -1 : 1)).map(([reason, count]) => `${reason} ${n(count)}`);
  const rejectedCount = [...summary.rejected.values()].reduce((a, b) => a + b, 0);
  process.stderr.write(
    `import: ${n(summary.rowsIn)} rows in, ${n(summary.written)} written to ${n(summary.partitions)} partition(s) of ${job.out}` +
      ` (${n(summary.replaced)} replacing a row of the same exchange, interval and ts)` +
      (summary.outside ? `, ${n(summary.outside)} outside --from/--to` : '') +
      `; rejected: ${rejectedCount ? `${n(rejectedCount)} (${rejected.join(', ')}) in ${job.deadLetterPath ?? 'stdout'}` : 'none'}` +
      `; ${n(summary.files)} file(s)${summary.archives ? ` (from ${n(summary.archives)} zip archive(s))` : ''}` +
      (summary.skipped.length ? `, ${summary.skipped.length} skipped (--on-error skip)` : '') +
      `; ${seconds.toFixed(1)} s (${n(Math.round(summary.rowsIn / Math.max(seconds, 1e-3)))} rows/s)\n`,
  );
  if (summary.duplicatesRemoved)
    process.stderr.write(`import: ${n(summary.duplicatesRemoved)} row(s) the dataset held twice are now held once\n`);
  if (summary.unknownExchange) {
    process.stderr.write(
      `import: ${n(summary.unknownExchange)} row(s) landed with exchange "unknown" (no exchange column, --exchange or exchange in the file name)\n`,
    );
  }
}
