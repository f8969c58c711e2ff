/**
 * The backfill the replay benches time: the full job from one Parquet file to a Parquet dataset, from
 * scratch, one commit per million records (as a bench runs it, not the default).
 */
export function backfillJob(input: string, out: string): string[] {
  return [
    'cli/candlestream.ts',
    'backfill',
    '--source',
    input,
    '--sink',
    `parquet:${out}/features`,
    '--dead-letter',
    `jsonl:${out}/dead-letter.jsonl`,
    '--state-dir',
    `${out}/state`,
    '--fresh',
    '--commit-every',
    '1000000',
  ];
}
