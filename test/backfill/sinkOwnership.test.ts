import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const cli = join(root, 'cli/candlestream.ts');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-sink-owner-'));
  const lines = (await readFile(join(root, 'data/candles/binance_BTCUSDT_1m_2023-03-01_2023-03-21.csv'), 'utf8')).split('\n');
  await writeFile(join(dir, 'BTCUSDT_1m.csv'), lines.slice(0, 121).join('\n') + '\n');
  await writeFile(join(dir, 'ETHUSDT_1m.csv'), lines.slice(0, 61).join('\n') + '\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function candlestream(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const backfill = (...args: string[]) => candlestream('backfill', '--quiet', ...args);

/** Every file below `path` with its content: what a sink must leave alone. */
async function snapshot(path: string): Promise<Record<string, string>> {
  const files = (await readdir(join(dir, path), { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const entries = await Promise.all(
    files.map(async (f) => [
      join(f.parentPath, f.name).slice(dir.length + 1),
      (await readFile(join(f.parentPath, f.name))).toString('base64'),
    ]),
  );
  return Object.fromEntries(entries.sort());
}
const parts = async (path: string) =>
  Object.keys(await snapshot(path))
    .filter((f) => f.endsWith('.parquet'))
    .sort();

describe('a Parquet sink touches only its own files', () => {
  it('never deletes an imported dataset below it, and refuses (error, overwrite) or adds beside it (append)', async () => {
    expect(
      candlestream('import', '--source', 'BTCUSDT_1m.csv', '--out', 'lake/imported', '--quiet', '--dead-letter', 'jsonl:import-dl.jsonl')
        .code,
    ).toBe(0);
    const imported = await snapshot('lake/imported');
    expect(Object.keys(imported).length).toBeGreaterThan(0);

    const refused = backfill('--source', 'ETHUSDT_1m.csv', '--sink', 'parquet:lake', '--state-dir', 'lake-state', '--fresh');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /lake already holds data this run did not write \(lake\/imported\/symbol=BTC-USDT\/date=2023-03-01\/part-000001\.parquet\); --mode append/,
    );
    const overwrite = backfill(
      '--source',
      'ETHUSDT_1m.csv',
      '--sink',
      'parquet:lake',
      '--state-dir',
      'lake-state',
      '--fresh',
      '--mode',
      'overwrite',
    );
    expect(overwrite.code).toBe(2);
    expect(overwrite.stderr).toMatch(
      /files candlestream did not write \(lake\/imported\/.*part-000001\.parquet\): --mode overwrite never removes them/,
    );
    expect(await snapshot('lake')).toEqual(imported);

    const append = backfill(
      '--source',
      'ETHUSDT_1m.csv',
      '--sink',
      'parquet:lake',
      '--state-dir',
      'lake-state',
      '--fresh',
      '--mode',
      'append',
      '--intervals',
      '1m',
    );
    expect(append.stderr).toBe('');
    expect(append.code).toBe(0);
    const after = await snapshot('lake');
    expect(Object.fromEntries(Object.entries(after).filter(([f]) => f.startsWith('lake/imported/')))).toEqual(imported);
    expect(Object.keys(after).filter((f) => !f.startsWith('lake/imported/'))).toEqual([
      'lake/_candlestream.json',
      expect.stringMatching(/^lake\/interval=1m\/symbol=ETH-USDT\/part-000001-[0-9a-f]{12}\.parquet$/),
    ]);
  });

  it('refuses a sink that contains its source, or a source that contains the sink, before reading or writing', async () => {
    expect(
      candlestream('import', '--source', 'BTCUSDT_1m.csv', '--out', 'nest/imported', '--quiet', '--dead-letter', 'jsonl:import-dl.jsonl')
        .code,
    ).toBe(0);
    const before = await snapshot('nest');
    const r = backfill(
      '--source',
      'nest/imported',
      '--sink',
      'parquet:nest',
      '--state-dir',
      'nest-state',
      '--fresh',
      '--mode',
      'overwrite',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--sink parquet:nest contains --source nest/imported');
    const inside = backfill('--source', 'nest', '--sink', 'parquet:nest/features', '--state-dir', 'nest-state', '--fresh');
    expect(inside.code).toBe(2);
    expect(inside.stderr).toContain('--sink parquet:nest/features is inside --source nest');
    expect(await snapshot('nest')).toEqual(before);
  });

  it("keeps a first backfill's partitions when a second one with other intervals writes to the same sink", async () => {
    const run = (...more: string[]) =>
      backfill('--source', 'BTCUSDT_1m.csv', '--sink', 'parquet:two', '--state-dir', 'two-state', '--fresh', ...more);
    expect(run('--intervals', '1m').code).toBe(0);
    const first = await snapshot('two');
    // The same job again replaces its own output: no duplicate, no refusal.
    expect(run('--intervals', '1m').code).toBe(0);
    expect(await snapshot('two')).toEqual(first);

    const refused = run('--intervals', '5m');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /two already holds data this run did not write \(two\/interval=1m\/symbol=BTC-USDT\/part-000001-\w+\.parquet, of an earlier run\)/,
    );
    expect(await snapshot('two')).toEqual(first);

    expect(run('--intervals', '5m', '--mode', 'append').code).toBe(0);
    expect((await parts('two')).map((f) => f.split('/')[1])).toEqual(['interval=1m', 'interval=5m']);
    expect(Object.fromEntries(Object.entries(await snapshot('two')).filter(([f]) => f.includes('interval=1m')))).toEqual(
      Object.fromEntries(Object.entries(first).filter(([f]) => f.includes('interval=1m'))),
    );

    // overwrite replaces what candlestream wrote there, both earlier runs.
    expect(run('--intervals', '1h', '--mode', 'overwrite').code).toBe(0);
    expect((await parts('two')).map((f) => f.split('/')[1])).toEqual(['interval=1h']);
    expect(JSON.parse(await readFile(join(dir, 'two/_candlestream.json'), 'utf8')).runs).toHaveLength(1);
  });

  it('refuses a dataset marker it cannot read rather than guess what is whose', async () => {
    await rm(join(dir, 'marked'), { recursive: true, force: true });
    expect(
      backfill('--source', 'BTCUSDT_1m.csv', '--sink', 'parquet:marked', '--state-dir', 'marked-state', '--fresh', '--intervals', '1m')
        .code,
    ).toBe(0);
    await writeFile(join(dir, 'marked/_candlestream.json'), '{"runs": "all of them"}');
    const before = await snapshot('marked');
    const r = backfill(
      '--source',
      'BTCUSDT_1m.csv',
      '--sink',
      'parquet:marked',
      '--state-dir',
      'marked-state',
      '--fresh',
      '--intervals',
      '5m',
      '--mode',
      'overwrite',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('marked/_candlestream.json is not a candlestream dataset marker');
    expect(await snapshot('marked')).toEqual(before);
  });
});

describe('a JSONL sink', () => {
  it('refuses a file it did not write (error), adds after it (append), replaces it when named (overwrite)', async () => {
    await writeFile(join(dir, 'mine.jsonl'), 'my own notes\n');
    const run = (...more: string[]) =>
      backfill(
        '--source',
        'BTCUSDT_1m.csv',
        '--intervals',
        '1m',
        '--sink',
        'jsonl:mine.jsonl',
        '--state-dir',
        'mine-state',
        '--fresh',
        ...more,
      );
    const refused = run();
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/mine\.jsonl already holds 13 bytes this run did not write; --mode append adds after them/);
    expect(await readFile(join(dir, 'mine.jsonl'), 'utf8')).toBe('my own notes\n');

    expect(run('--mode', 'append').code).toBe(0);
    const appended = await readFile(join(dir, 'mine.jsonl'), 'utf8');
    expect(appended.startsWith('my own notes\n{"symbol":"BTC-USDT"')).toBe(true);
    expect(appended.trim().split('\n')).toHaveLength(121);
    // A re-run of the job replaces its own lines, in any mode, and keeps what preceded them.
    expect(run('--mode', 'append').code).toBe(0);
    expect(run().code).toBe(0);
    expect(await readFile(join(dir, 'mine.jsonl'), 'utf8')).toBe(appended);

    expect(run('--mode', 'overwrite').code).toBe(0);
    expect(await readFile(join(dir, 'mine.jsonl'), 'utf8')).toBe(appended.slice('my own notes\n'.length));
  });

  it('refuses the same file for two outputs, naming both flags', async () => {
    const r = backfill(
      '--source',
      'BTCUSDT_1m.csv',
      '--sink',
      'jsonl:same.jsonl',
      '--dead-letter',
      'jsonl:./same.jsonl',
      '--state-dir',
      'same-state',
      '--fresh',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--sink jsonl:same.jsonl and --dead-letter jsonl:./same.jsonl write to the same place');
    const nested = backfill(
      '--source',
      'BTCUSDT_1m.csv',
      '--sink',
      'parquet:feat',
      '--signals',
      'parquet:feat/signals',
      '--state-dir',
      'same-state',
      '--fresh',
    );
    expect(nested.code).toBe(2);
    expect(nested.stderr).toContain('--signals parquet:feat/signals is inside --sink parquet:feat');
  });

  it('collects the dead letters of successive backfills in the default file', async () => {
    const sub = await mkdtemp(join(dir, 'cwd-'));
    // A price of zero is a dead letter.
    await writeFile(
      join(sub, 'XRPUSDT_1m.csv'),
      'open_time,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,1,1,0,1\n2024-01-01T00:01:00Z,1,1,1,1,1\n',
    );
    const run = (interval: string) =>
      spawnSync(
        process.execPath,
        [cli, 'backfill', '--quiet', '--source', 'XRPUSDT_1m.csv', '--intervals', interval, '--sink', `jsonl:${interval}.jsonl`, '--fresh'],
        { cwd: sub, encoding: 'utf8' },
      );
    for (const interval of ['1m', '5m']) expect(run(interval).status).toBe(0);
    const letters = (await readFile(join(sub, 'dead-letter.jsonl'), 'utf8')).trim().split('\n');
    expect(letters).toHaveLength(2);
    expect(run('5m').status).toBe(0); // the same job again: its own line replaced, not repeated
    expect((await readFile(join(sub, 'dead-letter.jsonl'), 'utf8')).trim().split('\n')).toEqual(letters);
  });

  it('stops quietly, exit 0, when standard output is closed (--sink - | head)', () => {
    // The whole month (megabytes of features, far more than a pipe holds): head closes the pipe while the
    // backfill is still writing. A small input could fit the pipe and finish normally, with its summary.
    const month = join(root, 'data/candles/binance_BTCUSDT_1m_2023-03-01_2023-03-21.csv');
    const r = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${cli}" backfill --source "${month}" --sink - --state-dir pipe-state --fresh 2>pipe-err.txt | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"; cat pipe-err.txt`,
      ],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    expect(r.stdout).toBe('0\n');
  });
});
