import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_MARKER } from '../../cli/demoCommand.ts';

const cli = new URL('../../cli/candlestream.ts', import.meta.url).pathname;
const work = await mkdtemp(join(tmpdir(), 'cs-demo-'));
afterAll(() => rm(work, { recursive: true, force: true }));

/** `candlestream demo` run in `cwd`, which holds no sample data: the demo finds it beside the code. */
const demo = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [cli, 'demo', ...args], { cwd, encoding: 'utf8' });

describe('candlestream demo', () => {
  it('writes into ./candlestream-demo from any directory, shows it, and a re-run replaces its own output but keeps a file it did not write', async () => {
    const first = demo(work);
    expect(first.status, first.stderr).toBe(0);
    const shown = /^([\d,]+) feature rows in candlestream-demo\/features$/m.exec(first.stdout);
    expect(shown).not.toBeNull();
    expect(Number(shown![1].replace(/,/g, ''))).toBeGreaterThan(0);
    const out = join(work, 'candlestream-demo');
    await writeFile(join(out, 'notes.txt'), 'mine');
    const again = demo(work);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toBe(first.stdout);
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    expect((await readdir(out)).sort()).toEqual([DEMO_MARKER, 'features', 'notes.txt', 'state']);
  });

  it('refuses a directory it did not write, or a file, naming --out, and touches neither', async () => {
    const theirs = await mkdtemp(join(work, 'theirs-'));
    await writeFile(join(theirs, 'data.csv'), 'precious');
    const refused = demo(work, '--out', theirs);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`--out ${theirs} holds files the demo did not write`);
    expect(await readdir(theirs)).toEqual(['data.csv']);
    const file = demo(work, '--out', join(theirs, 'data.csv'));
    expect(file.status).toBe(2);
    expect(file.stderr).toContain('is a file, not a directory');
    expect(await readFile(join(theirs, 'data.csv'), 'utf8')).toBe('precious');
  });
});
