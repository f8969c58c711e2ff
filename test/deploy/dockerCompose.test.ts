import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TOPICS } from '../../processors/marketTopology.ts';
import { RUN_SETTINGS } from '../../cli/runCommand.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const compose = read('docker-compose.yml');
const stackScript = read('stack/stack.sh');
const dockerfile = read('Dockerfile');

/** Each service's block of docker-compose.yml, by name (two-space-indented keys under `services:`). */
function services(): Map<string, string> {
  const body = compose.slice(compose.indexOf('\nservices:\n'), compose.indexOf('\nvolumes:\n'));
  const blocks = new Map<string, string>();
  for (const part of body.split(/\n(?= {2}[a-z][a-z-]*:\n)/).slice(1)) blocks.set(part.match(/^ {2}([a-z-]+):/)![1], part);
  return blocks;
}

describe('docker-compose.yml', () => {
  const byName = services();

  it('publishes every port on 127.0.0.1 unless BIND_HOST says otherwise', () => {
    const published = [...compose.matchAll(/^\s+ports: \[(.*)\]$/gm)].flatMap((m) => m[1].split(',').map((p) => p.trim()));
    expect(published.length).toBeGreaterThanOrEqual(11);
    expect(published.filter((p) => !p.startsWith('"${BIND_HOST:-127.0.0.1}:'))).toEqual([]);
  });

  it("publishes the stack script's ports (all but its TLS listener's), with its SASL user", () => {
    const ports = [...stackScript.matchAll(/^[a-z_]+_port="\$\{[A-Z_]+:-(\d+)\}"/gm)].map((m) => m[1]);
    const controller = stackScript.match(/^controller_port="\$\{[A-Z_]+:-(\d+)\}"/m)![1];
    const tls = stackScript.match(/^tls_port="\$\{[A-Z_]+:-(\d+)\}"/m)![1];
    const expected = ports.filter((p) => p !== controller && p !== tls);
    expect(expected).toHaveLength(8);
    for (const port of expected) expect(compose, `port ${port}`).toMatch(new RegExp(`:${port}:\\d+"`));
    const user = stackScript.match(/^sasl_user=(\S+)/m)![1];
    const password = stackScript.match(/^sasl_password=(\S+)/m)![1];
    expect(byName.get('kafka')).toContain(`user_${user}="${password}"`);
    expect(byName.get('kafka-init')).toMatch(new RegExp(`--entity-name ${user}\\b`));
    expect(byName.get('kafka-init')).toContain(`[password=${password}]`);
    expect(byName.get('kafka-init')).toMatch(/for mechanism in SCRAM-SHA-256 SCRAM-SHA-512/);
  });

  it('gives every SASL mechanism the broker enables its JAAS entry on the SASL listener', () => {
    // apache/kafka's image turns KAFKA_* variables into server properties this way (KafkaDockerWrapper).
    const properties = new Map(
      [...byName.get('kafka')!.matchAll(/^ {6}(KAFKA_[A-Z0-9_]+): (.*)$/gm)].map(([, name, value]) => [
        name
          .replace('KAFKA_', '')
          .toLowerCase()
          .replace(/_/g, '.')
          .replace(/\.\.\./g, '-')
          .replace(/\.\./g, '_'),
        value,
      ]),
    );
    const mechanisms = properties.get('sasl.enabled.mechanisms')!.split(',');
    expect(mechanisms).toEqual(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
    for (const mechanism of mechanisms)
      expect(properties.get(`listener.name.sasl.${mechanism.toLowerCase()}.sasl.jaas.config`), mechanism).toMatch(/LoginModule required/);
  });

  it("has an init service that creates run's default topics once the broker is healthy", () => {
    const init = byName.get('kafka-init')!;
    expect(init).toMatch(/kafka: \{ condition: service_healthy \}/);
    const created = init
      .match(/for topic in (.*); do/)![1]
      .split(' ')
      .map((t) => t.split(':')[0]);
    expect(created.sort()).toEqual(
      [DEFAULT_TOPICS.prices, DEFAULT_TOPICS.external, DEFAULT_TOPICS.signals, DEFAULT_TOPICS.deadLetter].sort(),
    );
    expect(byName.get('candlestream')).toMatch(/kafka-init: \{ condition: service_completed_successfully \}/);
  });

  it('keeps HDFS behind the hdfs profile and the app behind its own, built from the Dockerfile', () => {
    for (const name of ['namenode', 'datanode']) expect(byName.get(name), name).toContain('profiles: ["hdfs"]');
    for (const name of ['kafka', 'kafka-init', 'registry']) expect(byName.get(name), name).not.toContain('profiles:');
    expect(byName.get('candlestream')).toMatch(/profiles: \["app"\][\s\S]*build: \./);
    expect(byName.get('offline')).toMatch(/profiles: \["offline"\][\s\S]*build: \./);
  });
});

describe('the monitoring profile', () => {
  it("scrapes the app on run's metrics port and shows the dashboard", () => {
    const port = RUN_SETTINGS['metrics-port'].default;
    expect(read('deploy/prometheus.yml')).toContain(`targets: ["candlestream:${port}"]`);
    expect(services().get('candlestream')).toContain(`:${port}:${port}"`);
    const grafana = services().get('grafana')!;
    expect(grafana).toContain('profiles: ["monitoring"]');
    expect(grafana).toContain('./deploy/grafana-dashboard.json:/var/lib/grafana/dashboards/candlestream.json:ro');
    expect(read('deploy/grafana/provisioning/dashboards/candlestream.yml')).toContain('path: /var/lib/grafana/dashboards');
  });
});

describe('Dockerfile', () => {
  it('runs on Node 24 with production dependencies only, and no compiler', () => {
    expect([...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1])).toEqual(['node:24-bookworm-slim', 'node:24-bookworm-slim']);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(dockerfile).not.toMatch(/\b(tsc|typescript|tsx|ts-node)\b/);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "cli\/candlestream.ts"\]$/m);
  });

  it('copies every source folder the CLI imports from, and no tests', () => {
    const copied = [...dockerfile.matchAll(/^COPY (\S+) \1$/gm)].map((m) => m[1]);
    expect(copied.filter((f) => f !== 'data').sort()).toEqual(foldersImportedFrom('cli/candlestream.ts'));
    expect(read('.dockerignore').split('\n')).toContain('test');
  });
});

/** The top-level folders of every file `entry` imports, directly or not (relative imports of .ts files). */
function foldersImportedFrom(entry: string): string[] {
  const base = new URL(root).pathname;
  const seen = new Set<string>();
  const queue = [join(base, entry)];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+\.ts)'/g))
      queue.push(join(dirname(file), m[1]));
  }
  return [...new Set([...seen].map((f) => relative(base, f).split('/')[0]))].sort();
}
