import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BACKFILL_FLAGS, BACKFILL_HELP } from '../../cli/backfillCommand.ts';
import { hdfsSettings } from '../../cli/hdfsFlags.ts';
import { tasksFlag } from '../../cli/tasksFlag.ts';

// No YAML parser among the dependencies: the few fields checked are read from the manifest's plain block style.
const manifest = readFileSync(new URL('../../deploy/backfill-indexed-job.yaml', import.meta.url), 'utf8');
const scalar = (key: string) => manifest.match(new RegExp(`^ *${key}: (\\S+)$`, 'm'))?.[1];
/** The lines of a block under `key:` (more indented than it), comments left out. */
function block(key: string): string[] {
  const lines = manifest.split('\n');
  const start = lines.findIndex((l) => l.trimStart() === `${key}:`);
  if (start < 0) throw new Error(`the manifest has no ${key}: block`);
  const indent = lines[start].search(/\S/);
  const end = lines.findIndex((l, i) => i > start && l.trim() !== '' && l.search(/\S/) <= indent);
  return lines.slice(start + 1, end).filter((l) => !l.trimStart().startsWith('#'));
}
const unquoted = (text: string) => text.trim().replace(/^'(.*)'$/, '$1');
const args = block('args').map((l) => unquoted(l.trim().replace(/^- /, '')));
/** The env entries: `- name: X` with the `value: Y` under it, if any. */
const env = block('env')
  .join('\n')
  .split(/^ *- /m)
  .slice(1)
  .map((entry) => ({ name: /^name: (\S+)/.exec(entry)![1], value: /^ *value: (.+)$/m.exec(entry)?.[1] }));

describe('deploy/backfill-indexed-job.yaml', () => {
  const flag = (name: string) => args[args.indexOf(name) + 1];

  it('is an Indexed Job whose pod I runs backfill --tasks $(JOB_COMPLETION_INDEX)/completions', () => {
    expect(scalar('kind')).toBe('Job');
    expect(scalar('completionMode')).toBe('Indexed');
    const n = Number(scalar('completions'));
    expect(n).toBeGreaterThan(1);
    expect(Number(scalar('parallelism'))).toBe(n);
    expect(args[0]).toBe('backfill');
    expect(flag('--tasks')).toBe(`$(JOB_COMPLETION_INDEX)/${n}`);
    // Every index is a valid shard of the job's partitions.
    const partitions = Number(flag('--partitions'));
    for (let i = 0; i < n; i++) expect(tasksFlag(`${i}/${n}`, partitions)).toEqual({ index: i, count: n });
  });

  it('passes only flags backfill --help knows, HDFS in and out, a JSONL file per shard', () => {
    const flags = args.filter((a) => a.startsWith('--'));
    expect(flags.length).toBeGreaterThan(5);
    for (const f of flags) {
      expect(Object.keys(BACKFILL_FLAGS), f).toContain(f.slice(2));
      expect(BACKFILL_HELP, f).toMatch(new RegExp(`^ {2}(--\\S+ [^\\n]*)?${f}\\b`, 'm'));
    }
    expect(flag('--source')).toMatch(/^hdfs:\/\//);
    expect(flag('--sink')).toMatch(/^parquet:hdfs:\/\//);
    expect(flag('--dead-letter')).toMatch(/^jsonl:.*\{shard\}/);
  });

  it('names its environment as cli/hdfsFlags.ts reads it', () => {
    expect(env.map((e) => e.name)).toContain('CANDLESTREAM_HDFS_TOKEN');
    const values = Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    const settings = hdfsSettings({}, { ...values, CANDLESTREAM_HDFS_TOKEN: 'from-the-secret' });
    expect(settings).toEqual({ webhdfs: values.CANDLESTREAM_WEBHDFS, user: values.HADOOP_USER_NAME, token: 'from-the-secret' });
    expect(settings.webhdfs).toMatch(/^http:\/\//);
    // Each variable is one hdfsFlags.ts reads (or the Job's index).
    const hdfsSource = readFileSync(new URL('../../cli/hdfsFlags.ts', import.meta.url), 'utf8');
    for (const { name } of env) if (name !== 'JOB_COMPLETION_INDEX') expect(hdfsSource, name).toContain(`env.${name}`);
  });
});
