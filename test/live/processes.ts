import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { appendFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url).pathname;

/** A CLI command run to its end. */
export function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['cli/candlestream.ts', ...args], { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const running = new Set<Service>();

/** Kill whatever a test left running (it failed before stopping its services): no stray process. */
export async function stopAllServices(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop('SIGKILL')));
}

/** `candlestream run` (or another long-running command) as a real process: killed with real signals, its JSON log lines readable. */
export class Service {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  readonly exited: Promise<number | null>;
  #waiters: { test: (line: Record<string, unknown>) => boolean; resolve: () => void }[] = [];

  constructor(args: string[], env: Record<string, string> = {}, command = 'run') {
    this.child = spawn(process.execPath, ['cli/candlestream.ts', command, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onLine = (text: string) => {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text);
      } catch {
        line = { msg: text };
      }
      this.lines.push(line);
      if (process.env.CS_SERVICE_LOG) appendFileSync(process.env.CS_SERVICE_LOG, `${this.child.pid} ${text}\n`);
      this.#waiters = this.#waiters.filter((w) => (w.test(line) ? (w.resolve(), false) : true));
    };
    createInterface({ input: this.child.stdout! }).on('line', onLine);
    createInterface({ input: this.child.stderr! }).on('line', onLine);
    // 'close', not 'exit': by then every line the process wrote has been read.
    this.exited = new Promise((resolve) => this.child.on('close', (code) => (running.delete(this), resolve(code))));
    running.add(this);
  }

  /** Resolves at the first log line (already seen or to come) that passes `test`; rejects if the process exits first. */
  waitFor(test: (line: Record<string, unknown>) => boolean, timeoutMs = 60_000): Promise<void> {
    if (this.lines.some(test)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no such log line within ${timeoutMs} ms; last lines:\n${this.tail()}`)), timeoutMs);
      this.#waiters.push({ test, resolve: () => (clearTimeout(timer), resolve()) });
      void this.exited.then((code) => reject(new Error(`service exited (${code}) first; last lines:\n${this.tail()}`)));
    });
  }

  started(): Promise<void> {
    return this.waitFor((l) => l.msg === 'started');
  }

  /** Send `signal`; a process still there 40 s later is killed, so a test fails instead of hanging. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 40_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  tail(n = 15): string {
    return this.lines
      .slice(-n)
      .map((l) => JSON.stringify(l).slice(0, 400))
      .join('\n');
  }
}

export async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | Error | undefined;
  do {
    try {
      last = await probe();
      if (ok(last)) return last;
    } catch (e) {
      // A topic the service has just created can answer NOT_LEADER for a moment: try again.
      last = e as Error;
    }
    await new Promise((r) => setTimeout(r, 500));
  } while (Date.now() < deadline);
  throw new Error(
    `${what}: not reached within ${timeoutMs} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last).slice(0, 300)})`,
  );
}
