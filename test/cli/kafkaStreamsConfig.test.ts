import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { clientProperties, guaranteeName, registryUserInfo, withClientProperties } from '../../cli/kafkaStreamsConfig.ts';
import { resolveRunSettings, RUN_SETTINGS } from '../../cli/runCommand.ts';
import { printable } from '../../cli/settings.ts';
import { schemaRegistry } from '../../live/registrySerdes.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const configFile = async (content: Record<string, unknown>) => {
  const dir = await mkdtemp(join(tmpdir(), 'cs-ks-config-'));
  dirs.push(dir);
  const path = join(dir, 'streams.json');
  await writeFile(path, JSON.stringify(content));
  return path;
};
const runSettings = (args: string[], env: NodeJS.ProcessEnv = {}) => resolveRunSettings(args, env);

describe("Kafka Streams' names in run's --config file", () => {
  it('stand for our settings, with their values', async () => {
    const config = await configFile({
      'application.id': 'pricing',
      'bootstrap.servers': 'k1:9092,k2:9092',
      'processing.guarantee': 'exactly_once_v2',
      'commit.interval.ms': 250,
      'state.dir': '/var/lib/candlestream',
      'consumer.session.timeout.ms': '12000',
    });
    const s = runSettings(['--config', config]);
    expect(s).toMatchObject({
      'app-id': 'pricing',
      brokers: 'k1:9092,k2:9092',
      'commit-interval-ms': '250',
      'state-dir': '/var/lib/candlestream',
      'session-timeout-ms': '12000',
    });
    expect(guaranteeName(String(s.guarantee))).toBe('exactly_once');
    expect(s).not.toHaveProperty('application.id');
  });

  it('give way to ours, from a flag or a variable; the defaults hold when neither is given', async () => {
    const config = await configFile({ 'application.id': 'pricing', 'state.dir': '/from/file' });
    expect(runSettings(['--config', config, '--app-id', 'flag'], { CANDLESTREAM_STATE_DIR: '/from/env' })).toMatchObject({
      'app-id': 'flag',
      'state-dir': '/from/env',
    });
    expect(runSettings([])).toMatchObject({
      'app-id': 'candlestream',
      brokers: '127.0.0.1:9092',
      guarantee: 'exactly_once',
      'state-dir': '.candlestream/run',
      'session-timeout-ms': '30000',
    });
  });

  it('pass consumer.* and producer.* properties kafkajs has to every consumer and producer, over what the caller asks', async () => {
    const config = await configFile({
      'consumer.fetch.min.bytes': 1024,
      'consumer.max.poll.interval.ms': '120000',
      'consumer.client.rack': 'eu-west-1a',
      'producer.transaction.timeout.ms': 30000,
    });
    const properties = clientProperties(runSettings(['--config', config]));
    expect(properties).toEqual({
      consumer: { minBytes: 1024, rebalanceTimeout: 120000, rackId: 'eu-west-1a' },
      producer: { transactionTimeout: 30000 },
    });
    const asked: unknown[] = [];
    const kafka = { consumer: (c: unknown) => asked.push(['consumer', c]), producer: (c: unknown) => asked.push(['producer', c]) };
    const configured = withClientProperties(kafka as unknown as Kafka, properties);
    configured.consumer({ groupId: 'g', minBytes: 1 });
    configured.producer({ idempotent: true });
    expect(asked).toEqual([
      ['consumer', { groupId: 'g', minBytes: 1024, rebalanceTimeout: 120000, rackId: 'eu-west-1a' }],
      ['producer', { idempotent: true, transactionTimeout: 30000 }],
    ]);
    expect(withClientProperties(kafka as unknown as Kafka, { consumer: {}, producer: {} })).toBe(kafka);
  });

  it('refuse, by name, client properties we do not honour and values that are not numbers', async () => {
    for (const property of ['consumer.group.id', 'producer.linger.ms', 'consumer.isolation.level', 'streams.num.stream.threads']) {
      const config = await configFile({ [property]: 'x' });
      expect(() => runSettings(['--config', config]), property).toThrow(new RegExp(`unknown setting "${property.replace(/\./g, '\\.')}"`));
    }
    const config = await configFile({ 'consumer.fetch.max.bytes': 'lots' });
    expect(() => clientProperties(runSettings(['--config', config]))).toThrow(/"consumer\.fetch\.max\.bytes" must be a whole number/);
  });

  it("take the registry's Basic authentication as Confluent's basic.auth.user.info, and never print it", async () => {
    const config = await configFile({ 'schema.registry.basic.auth.user.info': 'alice:hunter2' });
    const s = runSettings(['--config', config]);
    expect(registryUserInfo(s['registry-user-info'])).toEqual({ username: 'alice', password: 'hunter2' });
    expect(JSON.stringify(printable(RUN_SETTINGS, s))).not.toContain('hunter2');
    expect(() => registryUserInfo('no-colon')).toThrow(/--registry-user-info must be USER:PASSWORD/);

    const authorizations: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      authorizations.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      res.end(JSON.stringify({ schema: '"string"' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await schemaRegistry(`http://127.0.0.1:${port}`, registryUserInfo('alice:hunter2')).getSchema(7);
    } finally {
      server.close();
    }
    expect(authorizations).toEqual([`Basic ${Buffer.from('alice:hunter2').toString('base64')}`]);
  });
});
