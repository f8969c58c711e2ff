import { posix, resolve } from 'node:path';
import { UsageError } from './UsageError.ts';

/** A flag's location: `--sink parquet:out/lake` → out/lake. */
export interface FlagLocation {
  /** The flag and its value, as the message shows them. */
  flag: string;
  location: string;
}

/**
 * Refuses outputs that share a place with another output (one file or dataset written twice gives
 * corrupt output, one inside another mixes them) or with an input (a sink inside a source is read
 * back as input; a source inside a sink is a file the sink may replace). Checked before anything is
 * read or written.
 */
export function refuseSinkOverlaps(sinks: readonly FlagLocation[], sources: readonly FlagLocation[]): void {
  const places = (list: readonly FlagLocation[]) => list.map((l) => ({ ...l, place: place(l.location) }));
  const outputs = places(sinks);
  const inputs = places(sources);
  outputs.forEach((a, i) => {
    for (const b of outputs.slice(i + 1)) {
      if (a.place === b.place) throw new UsageError(`${a.flag} and ${b.flag} write to the same place: give each output its own`);
      const [inner, outer] = within(a.place, b.place) ? [a, b] : within(b.place, a.place) ? [b, a] : [];
      if (inner && outer) throw new UsageError(`${inner.flag} is inside ${outer.flag}: give each output its own place`);
    }
    for (const b of inputs) {
      const why = within(b.place, a.place)
        ? `contains ${b.flag}: a sink must not hold the run's input`
        : within(a.place, b.place)
          ? `is inside ${b.flag}: the next run would read it as input`
          : undefined;
      if (why) throw new UsageError(`${a.flag} ${why}; choose another sink`);
    }
  });
}

/** A comparable absolute name: scheme://authority + normalised path, or a resolved local path. */
function place(location: string): string {
  const remote = /^([a-z][a-z0-9+.-]*:\/\/[^/]*)(\/.*)?$/i.exec(location);
  const path = remote ? posix.normalize(remote[2] ?? '/') : resolve(location);
  return (remote?.[1] ?? '') + (path.length > 1 ? path.replace(/\/+$/, '') : path);
}

/** `inner` is `outer` or below it. */
function within(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer.endsWith('/') ? outer : `${outer}/`);
}
