import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { StreamsMetrics } from '../../live/StreamsMetrics.ts';
import { ModelMetrics } from '../../models/ModelMetrics.ts';
import { METRICS_DOC, documentedMetrics } from './documentedMetrics.ts';

/** The metric names a running service's /metrics exposes (with --model: its metrics too). */
async function exposed(): Promise<Set<string>> {
  const metrics = new StreamsMetrics();
  new ModelMetrics(metrics.registry);
  const server: Server = await metrics.serve(0, '127.0.0.1', { healthy: () => true, ready: () => true });
  try {
    const { port } = server.address() as { port: number };
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
  } finally {
    server.close();
  }
}

describe('the metrics docs/operations.md documents', () => {
  const { names, linuxOnly } = documentedMetrics(readFileSync(METRICS_DOC, 'utf8'));

  it('are found in its table', () => {
    expect(names.length).toBeGreaterThan(30);
    expect(names).toContain('candlestream_records_in_total');
    expect(names).toContain('process_cpu_seconds_total');
  });

  it('all exist on /metrics, and every metric of ours there is documented', async () => {
    const served = await exposed();
    const expected = names.filter((n) => process.platform === 'linux' || !linuxOnly.has(n));
    expect(expected.filter((n) => !served.has(n))).toEqual([]);
    expect([...served].filter((n) => n.startsWith('candlestream_') && !names.includes(n))).toEqual([]);
  });

  it("names Node's default metrics unprefixed, as the ecosystem does", async () => {
    const served = await exposed();
    expect(served).toContain('process_resident_memory_bytes');
    expect(served).toContain('nodejs_eventloop_lag_seconds');
    expect([...served].filter((n) => /^candlestream_(process|nodejs)_/.test(n))).toEqual([]);
  });
});
