/**
 * The backfill the replay benches time: the full job from one Parquet file to a Parquet dataset, from
 * scratch. `cli` is the candlestream to run (another tree's, for versus-tree); `commitEvery` defaults
 * to one commit per million records (as a bench runs it), `'default'` keeps the CLI's own.
 */
export function backfillJob(input: string, out: string, o: { cli?: string; commitEvery?: number | 'default' } = {}): string[] {
  const commits = o.commitEvery ?? 1_000_000;
  return [
    o.cli ?? 'cli/candlestream.ts',
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
    ...(commits === 'default' ? [] : ['--commit-every', String(commits)]),
  ];
}
