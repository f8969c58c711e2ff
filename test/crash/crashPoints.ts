import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { expect } from 'vitest';

const repo = new URL('../../', import.meta.url).pathname;
const preload = new URL('./injectFaults.ts', import.meta.url).pathname;
const cli = join(repo, 'cli/candlestream.ts');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

export interface Fault {
  /** The mutation to fail at, counted from 1 (see injectFaults.ts). */
  at: number;
  mode: 'kill' | 'enospc';
}

/** Runs `candlestream <args>` with the fault injector watching `under`; `log` collects the mutations. */
export function runCli(args: string[], under: string, fault?: Fault, log?: string): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, CANDLESTREAM_FAULTS_UNDER: under };
  if (fault) Object.assign(env, { CANDLESTREAM_FAULT_AT: String(fault.at), CANDLESTREAM_FAULT: fault.mode });
  if (log) env.CANDLESTREAM_FAULTS_LOG = log;
  const child = spawn(process.execPath, ['--import', preload, cli, ...args], { cwd: under, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

/** The mutations an uninterrupted run makes, in order (`N op path` each). */
export async function mutationsOf(args: string[], under: string, log: string): Promise<string[]> {
  const run = await runCli(args, under, undefined, log);
  if (run.code !== 0) throw new Error(`the uninterrupted run failed (${run.code}): ${run.stderr}`);
  return (await readFile(log, 'utf8')).trim().split('\n');
}

/** Every file below `dir` (relative path → sha256 of its bytes), hidden files included. */
export async function digest(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[relative(dir, path)] = createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  }
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Files a reader must never see after a completed run: temporaries and hidden part files. */
export function leftovers(files: Record<string, string>): string[] {
  return Object.keys(files).filter((f) => /\.tmp$|(^|\/)\.[^/]*part/.test(f));
}

/** Runs `job(n)` for n = 1..count, `parallel` at a time (the machine has two cores). */
export async function forEachPoint(count: number, parallel: number, job: (n: number) => Promise<void>): Promise<void> {
  let next = 1;
  const worker = async () => {
    while (next <= count) await job(next++);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/**
 * The check every crash test makes at one point: the faulted run dies of SIGKILL, or (full disk) fails
 * with a one-line error that says so; run again, it exits 0 with `out/` equal to `reference`, no
 * temporary file anywhere, and every file of `untouched` as it was. `dir` is removed once it passes.
 */
export async function expectRecovery(
  args: string[],
  dir: string,
  fault: Fault,
  where: string,
  reference: Record<string, string>,
  untouched: Record<string, string>,
) {
  const crashed = await runCli(args, dir, fault);
  if (fault.mode === 'kill') expect(crashed.signal, where).toBe('SIGKILL');
  else {
    expect(crashed.code, where).toBe(1);
    expect(crashed.stderr, where).toMatch(new RegExp(`^candlestream ${args[0]}: .*no space left on device`));
    expect(crashed.stderr.trim().split('\n'), where).toHaveLength(1);
  }
  const again = await runCli(args, dir);
  expect(again.code, `${where}: ${again.stderr}`).toBe(0);
  const after = await digest(dir);
  expect(await digest(join(dir, 'out')), where).toEqual(reference);
  expect(leftovers(after), where).toEqual([]);
  for (const [file, hash] of Object.entries(untouched)) expect(after[file], `${where}: ${file}`).toBe(hash);
  await rm(dir, { recursive: true, force: true });
}
