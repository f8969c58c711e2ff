import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

const fixturePath = new URL('./consumerServiceFixture.ts', import.meta.url).pathname;

/** The fixture as a real process, so that real signals reach it and its exit code is real. */
function fixture(mode: string) {
  const child = spawn(process.execPath, [fixturePath, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Record<string, unknown>[] = [];
  const seen = new Map<string, () => void>();
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    lines.push(line);
    seen.get(String(line.msg))?.();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const logged = (msg: string) => new Promise<void>((resolve) => (lines.some((l) => l.msg === msg) ? resolve() : seen.set(msg, resolve)));
  return { child, lines, exited, logged, messages: () => lines.map((l) => l.msg) };
}

describe('ConsumerService', () => {
  it('a SIGTERM while joining the group stops the service cleanly: drained, exit 0', async () => {
    const f = fixture('joining');
    await f.logged('joining');
    f.child.kill('SIGTERM');
    expect(await f.exited).toBe(0);
    expect(f.messages()).toEqual(['joining', 'stopping', 'drained']);
    expect(f.lines.find((l) => l.msg === 'drained')).toMatchObject({ failed: false });
  });

  it('SIGINT once running: drained, exit 0', async () => {
    const f = fixture('running');
    await f.logged('started');
    f.child.kill('SIGINT');
    expect(await f.exited).toBe(0);
    expect(f.lines.find((l) => l.msg === 'stopping')).toMatchObject({ why: 'SIGINT' });
    expect(f.lines.find((l) => l.msg === 'drained')).toMatchObject({ failed: false });
  });

  it('a failure stops it without finishing what is held, and the process exits 1 saying why', async () => {
    const f = fixture('fail');
    expect(await f.exited).toBe(1);
    expect(f.lines.find((l) => l.msg === 'drained')).toMatchObject({ failed: true });
    expect(f.lines.find((l) => l.msg === 'run threw')).toMatchObject({ error: 'stopped: the consumer stopped for good (see the log)' });
  });

  it('a stop that fails exits 1', async () => {
    const f = fixture('drain-fails');
    await f.logged('started');
    f.child.kill('SIGTERM');
    expect(await f.exited).toBe(1);
    expect(f.lines.find((l) => String(l.msg).startsWith('stop failed'))).toMatchObject({ err: { message: 'roll failed at the stop' } });
  });
});
