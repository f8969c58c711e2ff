/** Where progress goes: stderr, or a stand-in in tests. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * Progress on a terminal: a bar redrawn in place, with the percentage of the (estimated) total, the
 * rate and the time left. Nothing when quiet or when stderr is not a terminal (a log, CI): there the
 * summary line at the end says it all, and a line every few seconds would only bury it.
 */
export function progressReporter(
  label: string,
  quiet: boolean,
  stream: ProgressStream = process.stderr,
  now: () => number = () => performance.now(),
): (done: number, total: number | undefined) => void {
  if (quiet || !stream.isTTY) return () => {};
  const started = now();
  return (done, total) => {
    const seconds = (now() - started) / 1000;
    const rate = done / Math.max(seconds, 1e-3);
    // An estimate can be short of the truth: the bar then holds at 99 % until the end says 100.
    const finished = total === done;
    const fraction = total ? Math.min(done / total, finished ? 1 : 0.99) : undefined;
    const eta = total && !finished && rate > 0 ? Math.max(total - done, 0) / rate : undefined;
    const width = 24;
    const bar =
      fraction === undefined ? '' : `[${'#'.repeat(Math.floor(fraction * width)).padEnd(width, '.')}] ${Math.floor(fraction * 100)}% `;
    const parts = [
      `${bar}${label} ${done.toLocaleString('en-US')}${total ? `/${total.toLocaleString('en-US')}` : ''} records`,
      `${Math.round(rate).toLocaleString('en-US')}/s`,
      eta !== undefined ? `ETA ${formatSeconds(eta)}` : `${formatSeconds(seconds)} elapsed`,
    ];
    stream.write(`\r${parts.join('  ')}\x1b[K${finished ? '\n' : ''}`);
  };
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
