import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

describe('the CLI reference (docs/cli.md)', () => {
  const reference = readFileSync(`${root}docs/cli.md`, 'utf8');

  it.each(['backfill', 'run', 'train', 'import', 'archive', 'show', 'describe', 'publish', 'tail', 'demo'])(
    'shows the real `%s --help`',
    (command) => {
      const help = spawnSync(process.execPath, ['cli/candlestream.ts', command, '--help'], { cwd: root, encoding: 'utf8' }).stdout;
      expect(help.length).toBeGreaterThan(300);
      expect(reference).toContain('```\n' + help.trimEnd() + '\n```');
    },
  );

  it('shows the real `candlestream --help`', () => {
    const help = spawnSync(process.execPath, ['cli/candlestream.ts', '--help'], { cwd: root, encoding: 'utf8' }).stdout;
    expect(help).toMatch(/^Usage: candlestream <command>/m);
    expect(reference).toContain('```\n' + help.trimEnd() + '\n```');
  });
});

describe('README', () => {
  it('gives the two commands, and .ci/run runs the test one', () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    expect(readme).toContain('./run demo');
    expect(readme).toContain('./run test');
    expect(readFileSync(`${root}.ci/run`, 'utf8')).toMatch(/^\.\/run test$/m);
  });
});
