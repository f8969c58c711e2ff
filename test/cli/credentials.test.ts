import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { printable, type SettingSpec } from '../../cli/settings.ts';
import { RUN_SETTINGS } from '../../cli/runCommand.ts';
import { schemaRegistry } from '../../live/registrySerdes.ts';

describe('credentials in a URL setting', () => {
  it('are masked in the settings the start-up line logs', () => {
    const specs: Record<string, SettingSpec> = { ...RUN_SETTINGS, source: { type: 'string', multiple: true } };
    const shown = printable(specs, {
      registry: 'https://alice:hunter2@registry.example:8081/sr',
      'warm-from': 'webhdfs://bob:s3cr%40t@nn:9870/lake',
      source: ['hdfs://carol:p@ss@nn:8020/x', '/local/file.csv'],
      brokers: 'k1:9092,k2:9092',
    });
    const text = JSON.stringify(shown);
    for (const secret of ['hunter2', 's3cr', 'p@ss', 'alice', 'bob', 'carol']) expect(text).not.toContain(secret);
    expect(shown).toMatchObject({
      registry: 'https://***@registry.example:8081/sr',
      'warm-from': 'webhdfs://***@nn:9870/lake',
      source: ['hdfs://***@nn:8020/x', '/local/file.csv'],
      brokers: 'k1:9092,k2:9092',
    });
  });

  it('reach the schema registry as Basic authentication, and never its errors or the logs of them', async () => {
    const authorizations: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      authorizations.push(req.headers.authorization);
      res.writeHead(404, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      res.end(JSON.stringify({ error_code: 40403, message: 'Schema not found' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const logged: string[] = [];
    const log = pino(new Writable({ write: (chunk, _e, done) => (logged.push(String(chunk)), done()) }));
    try {
      for (const url of [`http://alice:hunter2@127.0.0.1:${port}`, 'http://alice:hunter2@127.0.0.1:1']) {
        const error = await schemaRegistry(url)
          .getSchema(7)
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error).toBeInstanceOf(Error);
        log.error({ err: error }, 'registry call failed');
      }
    } finally {
      server.close();
    }
    expect(authorizations).toEqual([`Basic ${Buffer.from('alice:hunter2').toString('base64')}`]);
    expect(logged).toHaveLength(2);
    for (const line of logged) expect(line).not.toContain('hunter2');
  });
});
