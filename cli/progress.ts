/**
 * Progress on stderr: a redrawn bar with rate and ETA on a terminal, a plain line every few seconds
 * otherwise (logs, CI), nothing when quiet.
 */
export function progressReporter(label: string, quiet: boolean): (done: number, total: number | undefined) => void {
  if (quiet) return () => {};
  const tty = process.stderr.isTTY;
  const started = performance.now();
  let lastLine = 0;
  return (done, total) => {
    const now = performance.now();
    const seconds = (now - started) / 1000;
    const rate = done / Math.max(seconds, 1e-3);
    const fraction = total ? Math.min(done / total, 1) : undefined;
    const eta = fraction !== undefined && rate > 0 ? Math.max(total! - done, 0) / rate : undefined;
    const parts = [
      `${label} ${done.toLocaleString('en-US')}${total ? `/${total.toLocaleString('en-US')}` : ''} records`,
      `${Math.round(rate).toLocaleString('en-US')}/s`,
      eta !== undefined ? `ETA ${formatSeconds(eta)}` : `${formatSeconds(seconds)} elapsed`,
    ];
    if (tty) {
      const width = 24;
      const bar =
        fraction === undefined
          ? ''
          : `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '.')}] ${(fraction * 100).toFixed(0).padStart(3)}% `;
      process.stderr.write(`\r${bar}${parts.join('  ')}\x1b[K${fraction === 1 ? '\n' : ''}`);
    } else if (now - lastLine > 5000 || fraction === 1) {
      lastLine = now;
      process.stderr.write(`${parts.join('  ')}\n`);
    }
  };
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
