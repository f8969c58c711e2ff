import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRICS_DOC, documentedMetrics } from '../cli/documentedMetrics.ts';

const root = new URL('../../', import.meta.url);
const dashboard = JSON.parse(readFileSync(new URL('deploy/grafana-dashboard.json', root), 'utf8'));
const { names } = documentedMetrics(readFileSync(METRICS_DOC, 'utf8'));

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}
const panels: Panel[] = dashboard.panels.filter((p: Panel) => p.type !== 'row');

/** The service's metrics a query reads: a histogram's _bucket, _sum and _count series are its own name. */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b(?:candlestream|process|nodejs)_[a-z0-9_]+/g)].map((m) => {
    const base = m[0].replace(/_(bucket|sum|count)$/, '');
    return names.includes(base) ? base : m[0];
  });
}

describe('the Grafana dashboard', () => {
  it('queries only metrics the service exposes (the table in docs/operations.md, which a test keeps equal to /metrics)', () => {
    const used = panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricsIn(t.expr)));
    expect(used.length).toBeGreaterThan(15);
    expect(used.filter((n) => !names.includes(n))).toEqual([]);
  });

  it('charts every metric of ours, each panel with a query and a Prometheus data source chosen on import', () => {
    const used = new Set(panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricsIn(t.expr))));
    expect(names.filter((n) => n.startsWith('candlestream_') && !used.has(n))).toEqual([]);
    for (const p of panels) expect(p.targets?.length, p.title).toBeGreaterThan(0);
    expect(dashboard.templating.list[0]).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
  });
});
