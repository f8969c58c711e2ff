import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { sinkTarget } from '../io/parseSinkUri.ts';

/**
 * Backfill's state directory when --state-dir is not given: one for each sink, under
 * .candlestream/backfill/, so two backfills to different sinks in one directory keep apart
 * checkpoints. Named after the sink, readable, with a hash of where it writes (a local path made
 * absolute: jsonl:a.jsonl and jsonl:./a.jsonl are one sink).
 */
export function defaultStateDir(sink: string): string {
  const { format, location } = sinkTarget(sink);
  const place = location === undefined ? 'stdout' : /^[a-z]+:\/\//i.test(location) ? location : resolve(location);
  const hash = createHash('sha256').update(`${format}:${place}`).digest('hex').slice(0, 8);
  const readable = `${format}-${location ?? 'stdout'}`.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 40);
  return join('.candlestream', 'backfill', `${readable}-${hash}`);
}
