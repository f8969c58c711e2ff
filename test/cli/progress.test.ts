import { describe, expect, it } from 'vitest';
import { progressReporter } from '../../cli/progress.ts';

/** A stand-in for stderr that keeps what is written, and a clock the test moves. */
function terminal(isTTY: boolean) {
  const writes: string[] = [];
  let ms = 0;
  return { stream: { isTTY, write: (t: string) => writes.push(t) }, writes, tick: (s: number) => (ms += s * 1000), now: () => ms };
}

describe('progress', () => {
  it('draws the bar at the share of the total done, with the time left at the rate so far', () => {
    const t = terminal(true);
    const report = progressReporter('backfill', false, t.stream, t.now);
    t.tick(10);
    report(25_000, 100_000); // 2,500/s: 75,000 left take 30 s
    expect(t.writes[0]).toBe('\r[######..................] 25% backfill 25,000/100,000 records  2,500/s  ETA 30s\x1b[K');
    t.tick(20);
    report(75_000, 100_000);
    expect(t.writes[1]).toBe('\r[##################......] 75% backfill 75,000/100,000 records  2,500/s  ETA 10s\x1b[K');
  });

  it('holds below 100 % while the estimate is short, and says 100 % and ends the line when done', () => {
    const t = terminal(true);
    const report = progressReporter('backfill', false, t.stream, t.now);
    t.tick(1);
    report(120_000, 100_000);
    expect(t.writes[0]).toMatch(/\] 99% /);
    report(130_000, 130_000);
    expect(t.writes[1]).toMatch(/^\r\[#{24}\] 100% backfill 130,000\/130,000 records .*\n$/);
  });

  it('writes nothing when stderr is not a terminal, or when quiet', () => {
    for (const [tty, quiet] of [
      [false, false],
      [true, true],
    ]) {
      const t = terminal(tty);
      const report = progressReporter('import', quiet, t.stream, t.now);
      report(10_000, 20_000);
      report(20_000, 20_000);
      expect(t.writes).toEqual([]);
    }
  });
});
