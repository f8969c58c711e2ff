import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

describe('README', () => {
  it.each(['backfill', 'run', 'train', 'import', 'archive'])('shows the real `%s --help`', (command) => {
    const help = spawnSync(process.execPath, ['cli/candlestream.ts', command, '--help'], { cwd: root, encoding: 'utf8' }).stdout;
    expect(help.length).toBeGreaterThan(500);
    expect(readFileSync(`${root}README.md`, 'utf8')).toContain(help.trimEnd());
  });

  it('gives the two commands, and .ci/run runs the test one', () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    expect(readme).toContain('./run demo');
    expect(readme).toContain('./run test');
    expect(readFileSync(`${root}.ci/run`, 'utf8')).toMatch(/^\.\/run test$/m);
  });
});
