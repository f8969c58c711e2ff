import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didYouMean } from '../../cli/didYouMean.ts';
import { plainSystemText } from '../../cli/explain.ts';

const root = new URL('../../', import.meta.url).pathname;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-errors-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function candlestream(...args: string[]) {
  const r = spawnSync(process.execPath, [`${root}cli/candlestream.ts`, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('did you mean', () => {
  it('names the nearest candidate for a typo: a letter missing, added, changed, or two swapped', () => {
    const flags = ['--intervals', '--sink', '--signals', '--source', '--state-dir'];
    expect(didYouMean('--intervls', flags)).toBe(' (did you mean --intervals?)');
    expect(didYouMean('--sinks', flags)).toBe(' (did you mean --sink?)');
    expect(didYouMean('--soruce', flags)).toBe(' (did you mean --source?)');
    expect(didYouMean('--STATE-DIR', flags)).toBe(' (did you mean --state-dir?)');
  });

  it('names none when nothing is near', () => {
    expect(didYouMean('--verbose', ['--intervals', '--sink', '--quiet'])).toBe('');
    expect(didYouMean('zz', ['show', 'run'])).toBe('');
  });
});

describe('the command line says what is wrong in one line', () => {
  it('suggests the flag a mistyped one meant, and the command', () => {
    const flag = candlestream('backfill', '--intervls', '1m');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('candlestream backfill: unknown flag --intervls (did you mean --intervals?)');
    const command = candlestream('backfil', '--source', 'x');
    expect(command.code).toBe(2);
    expect(command.stderr.trim()).toBe('candlestream: unknown command "backfil" (did you mean backfill?)');
  });

  it('prints the version of package.json for --version', async () => {
    const { version } = JSON.parse(await readFile(`${root}package.json`, 'utf8')) as { version: string };
    const r = candlestream('--version');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
  });

  it('names a missing input, not ENOENT and a stack', () => {
    const r = candlestream('show', 'out/nope');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('candlestream show: out/nope: no such file or directory\n');
  });

  it('names the file in system errors wherever they sit in a message, once', () => {
    expect(plainSystemText("ENOENT: no such file or directory, stat 'out/nope'")).toBe('out/nope: no such file or directory');
    expect(plainSystemText("--model m: ENOENT: no such file or directory, scandir 'm'")).toBe('--model m: no such file or directory');
    expect(plainSystemText('EINVAL: invalid argument, ftruncate')).toBe('invalid argument (ftruncate)');
    expect(plainSystemText('--rows must be a whole number, not "x"')).toBe('--rows must be a whole number, not "x"');
  });

  it('says which file is missing or broken, and where, for every kind of input', async () => {
    await writeFile(join(dir, 'broken.jsonl'), '{"symbol":"BTC-USDT"}\n{"symbol":\n');
    const cases: [string[], number, string][] = [
      [['backfill', '--config', 'nope.json'], 2, 'candlestream backfill: --config nope.json: no such file or directory'],
      [
        ['backfill', '--source', 'x.csv', '--sink', 'jsonl:f.jsonl', '--model', 'nope', '--signals', 'jsonl:s.jsonl'],
        2,
        'candlestream backfill: --model nope: no such file or directory',
      ],
      [['show', 'broken.jsonl'], 1, 'candlestream show: broken.jsonl line 2: not JSON (Unexpected end of JSON input)'],
    ];
    for (const [args, code, message] of cases) {
      const r = candlestream(...args);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr.split('\n')[0]).toBe(message);
    }
  });

  it('refuses a JSONL sink that is a device or a directory at start-up, naming the flag, and writes nothing beside it', async () => {
    await writeFile(join(dir, 'BTCUSDT-1m.csv'), 'time,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,1,1,1,1\n');
    const marker = '/dev/.null.candlestream.json';
    const markerBefore = existsSync(marker);
    const device = candlestream('backfill', '--source', 'BTCUSDT-1m.csv', '--sink', 'jsonl:/dev/null', '--quiet');
    expect(device.code).toBe(2);
    expect(device.stderr.split('\n')[0]).toMatch(/^candlestream backfill: --sink jsonl:\/dev\/null: \/dev\/null is not a regular file; /);
    expect(device.stderr).not.toMatch(/EINVAL|ftruncate/);
    if (!markerBefore) expect(existsSync(marker)).toBe(false);
    const directory = candlestream('backfill', '--source', 'BTCUSDT-1m.csv', '--sink', 'jsonl:out', '--signals', `jsonl:${dir}`);
    expect(directory.code).toBe(2);
    expect(directory.stderr).toMatch(/--signals jsonl:.* is a directory/);
    const imported = candlestream('import', '--source', 'BTCUSDT-1m.csv', '--out', 'lake', '--dead-letter', 'jsonl:/dev/null');
    expect(imported.code).toBe(2);
    expect(imported.stderr).toMatch(/^candlestream import: --dead-letter jsonl:\/dev\/null: \/dev\/null is not a regular file/);
  });

  it('refuses a --columns that the output does not have, naming it', async () => {
    const row = { symbol: 'BTC-USDT', interval: '1m', ts: Date.UTC(2024, 0, 1), close: 1, rsi_14: 50 };
    await writeFile(join(dir, 'features.jsonl'), `${JSON.stringify(row)}\n`);
    const r = candlestream('show', 'features.jsonl', '--columns', 'close,rsi_41');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--columns: features.jsonl has no column "rsi_41" (did you mean rsi_14?)');
    const none = candlestream('show', 'features.jsonl', '--columns', 'foo');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--columns: features.jsonl has no column "foo" (columns: symbol, interval, ts, close, rsi_14)');
  });
});
