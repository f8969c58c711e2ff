import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TimedRun {
  stdout: string;
  stderr: string;
  /** Elapsed, user and system seconds and peak RSS of the command, as GNU time measures them. */
  wall: number;
  user: number;
  system: number;
  cpu: number;
  rssMb: number;
}

/**
 * One command to its end under /usr/bin/time: wall, user and system seconds (every thread of the process
 * and of the children it waited for) and the peak resident set of its largest process. Throws with its
 * stderr if it fails.
 */
export function timedRun(label: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): TimedRun {
  const dir = mkdtempSync(join(tmpdir(), 'cs-time-'));
  try {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', `${dir}/time`, command, ...args], {
      encoding: 'utf8',
      env,
      maxBuffer: 1 << 26,
    });
    if (r.status !== 0) throw new Error(`${label} failed (${r.status ?? r.signal}): ${r.stderr.slice(-4000)}`);
    const [wall, user, system, rssKb] = readFileSync(`${dir}/time`, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    return { stdout: r.stdout, stderr: r.stderr, wall, user, system, cpu: user + system, rssMb: Math.round(rssKb / 1024) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The middle value of an odd number of runs (the lower middle of an even number). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
