import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonlWriter, jsonlMarkerPath } from '../../io/JsonlWriter.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-jsonl-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const record = (n: number) => ({ key: null, value: { n }, timestamp: n, headers: {} });
const text = (path: string) => readFile(path, 'utf8');

/** A writer started as the backfill runner starts it: checked, resumed, its starting token committed. */
async function started(path: string, run: string, token?: unknown) {
  const writer = new JsonlWriter(path, 'append');
  await writer.check(token, run);
  await writer.resume(token, run);
  return { writer, start: token ?? (await writer.commit()) };
}

describe('a JSONL file', () => {
  it('is not created, nor its marker, by a run that writes no line', async () => {
    const path = join(dir, 'sub', 'none.jsonl');
    const { writer } = await started(path, 'run-a');
    await writer.commit();
    await writer.close();
    expect(existsSync(path)).toBe(false);
    expect(existsSync(jsonlMarkerPath(path))).toBe(false);
    expect(existsSync(join(dir, 'sub'))).toBe(false);
  });

  it('is created, with its marker, by the first line, also after the run resumed', async () => {
    const path = join(dir, 'late.jsonl');
    const first = await started(path, 'run-b');
    await first.writer.close(); // killed before any line
    const { writer } = await started(path, 'run-b', first.start);
    writer.write(record(1));
    await writer.commit();
    await writer.close();
    expect(await text(path)).toBe('{"n":1}\n');
    expect(JSON.parse(await text(jsonlMarkerPath(path)))).toEqual({ run: 'run-b', start: 0 });
  });

  it('created after the checkpoint a run resumes from, loses the lines written after it', async () => {
    const path = join(dir, 'rolled-back.jsonl');
    const first = await started(path, 'run-c');
    first.writer.write(record(1));
    await first.writer.commit(); // the file exists now; the checkpoint still says "before the first line"
    await first.writer.close();
    const { writer } = await started(path, 'run-c', first.start);
    writer.write(record(2));
    await writer.commit();
    await writer.close();
    expect(await text(path)).toBe('{"n":2}\n');
  });

  it('written by a run, has its lines replaced by a re-run of the same job, and kept by another job', async () => {
    const path = join(dir, 'rerun.jsonl');
    for (const [run, n] of [
      ['run-d', 1],
      ['run-d', 2],
      ['run-e', 3],
    ] as const) {
      const { writer } = await started(path, run);
      writer.write(record(n));
      await writer.commit();
      await writer.close();
    }
    expect(await text(path)).toBe('{"n":2}\n{"n":3}\n');
  });
});
