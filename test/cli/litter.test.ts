import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAIN_HELP } from '../../cli/trainCommand.ts';

const root = new URL('../../', import.meta.url).pathname;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-litter-'));
  const t0 = Date.UTC(2024, 0, 1);
  const candles = Array.from({ length: 60 }, (_, i) => [t0 + i * 60_000, 100 + (i % 7), 110, 90, 100 + (i % 5), 2].join(','));
  await writeFile(join(dir, 'ETHUSDT-1m.csv'), ['open_time,open,high,low,close,volume', ...candles].join('\n') + '\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function candlestream(...args: string[]) {
  const r = spawnSync(process.execPath, [`${root}cli/candlestream.ts`, ...args], { cwd: dir, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stderr;
}

describe('no litter', () => {
  it('backfills to two sinks in one directory keep their own state, and without dead letters leave no dead-letter file', async () => {
    const backfill = (sink: string, ...more: string[]) =>
      candlestream('backfill', '--source', 'ETHUSDT-1m.csv', '--sink', `jsonl:${sink}`, '--commit-every', '10', ...more);
    backfill('whole.jsonl');
    backfill('a.jsonl', '--stop-after', '25'); // killed after its second commit
    backfill('b.jsonl'); // another job, in the same directory, in between
    expect(backfill('a.jsonl')).toMatch(/^resuming from checkpoint 2\n.*resumed after 20;/);
    expect(await readFile(join(dir, 'a.jsonl'), 'utf8')).toBe(await readFile(join(dir, 'whole.jsonl'), 'utf8'));
    expect(await readFile(join(dir, 'b.jsonl'), 'utf8')).toBe(await readFile(join(dir, 'whole.jsonl'), 'utf8'));
    const states = await readdir(join(dir, '.candlestream', 'backfill'));
    expect(states.sort()).toEqual([
      expect.stringMatching(/^jsonl-a\.jsonl-[0-9a-f]{8}$/),
      expect.stringMatching(/^jsonl-b\.jsonl-[0-9a-f]{8}$/),
      expect.stringMatching(/^jsonl-whole\.jsonl-[0-9a-f]{8}$/),
    ]);
    expect(existsSync(join(dir, 'dead-letter.jsonl'))).toBe(false);
    expect(existsSync(join(dir, '.dead-letter.jsonl.candlestream.json'))).toBe(false);
  });

  it('an import without rejected rows leaves no dead-letter file, here or under its output', async () => {
    const before = await readdir(dir);
    candlestream('import', '--source', 'ETHUSDT-1m.csv', '--out', 'lake', '--quiet');
    expect((await readdir(dir)).sort()).toEqual([...before, 'lake'].sort());
    expect((await readdir(join(dir, 'lake'))).filter((f) => f.includes('dead-letter'))).toEqual([]);
  });

  it("train's --out examples, in its help, the README and docs/, write under a folder git ignores, not into the source tree", () => {
    const ignored = readFileSync(`${root}.gitignore`, 'utf8').split('\n');
    const pages = [
      'README.md',
      ...readdirSync(`${root}docs`)
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    ];
    const readme = pages.map((page) => readFileSync(`${root}${page}`, 'utf8')).join('\n');
    const examples = [
      ...[...readme.matchAll(/candlestream train .*--out (\S+)/g)].map((m) => m[1]),
      ...[...readme.matchAll(/--model (\S+?)[:\s]/g)].map((m) => m[1]),
      ...[...TRAIN_HELP.matchAll(/--out DIR .*\(e\.g\. (\S+)\)/g)].map((m) => m[1]),
    ].filter((path) => path.includes('/')); // paths, not the usage line's DIR
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const path of examples) expect(ignored, path).toContain(`${path.split('/')[0]}/`);
  });
});
