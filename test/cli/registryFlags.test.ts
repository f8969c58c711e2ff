import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHIVE_HELP, ARCHIVE_SETTINGS } from '../../cli/archiveCommand.ts';
import { registryFrom } from '../../cli/registryFlags.ts';
import { resolveRunSettings, RUN_HELP } from '../../cli/runCommand.ts';
import { printable, resolveSettings, type Settings } from '../../cli/settings.ts';
import { TAIL_HELP, TAIL_SETTINGS } from '../../cli/tailCommand.ts';
import { jsonOrAvroSerde } from '../../live/registrySerdes.ts';

const root = new URL('../../', import.meta.url).pathname;
const AUTH = `Basic ${Buffer.from('alice:hunter2').toString('base64')}`;

/** A stand-in for the schema registry: schema 7 is an Avro string; every request's Authorization header is kept. */
const authorizations: (string | undefined)[] = [];
const server = createServer((req, res) => {
  authorizations.push(req.headers.authorization);
  if (req.headers.authorization !== AUTH) {
    res.writeHead(401, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
    res.end(JSON.stringify({ error_code: 401, message: 'Unauthorized' }));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
  res.end(JSON.stringify({ schema: '"string"' }));
});
let url: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Registry Avro as producers frame it: magic byte 0, schema id 7, then the Avro string "hi" (zigzag length 2, bytes). */
const AVRO_HI = Buffer.from([0, 0, 0, 0, 7, 4, 0x68, 0x69]);

/** Each command's settings as it resolves them from flags and environment. */
const commands: { name: string; help: string; settings: (args: string[], env?: NodeJS.ProcessEnv) => Settings }[] = [
  { name: 'run', help: RUN_HELP, settings: (args, env = {}) => resolveRunSettings(args, env) },
  { name: 'tail', help: TAIL_HELP, settings: (args, env = {}) => resolveSettings(TAIL_SETTINGS, args, env) },
  { name: 'archive', help: ARCHIVE_HELP, settings: (args, env = {}) => resolveSettings(ARCHIVE_SETTINGS, args, env) },
];

describe('--registry-user-info on every command that talks to the schema registry', () => {
  it.each(commands)('$name sends it as Basic authentication when it decodes registry Avro', async ({ settings }) => {
    authorizations.length = 0;
    const serde = jsonOrAvroSerde(registryFrom(settings(['--registry', url, '--registry-user-info', 'alice:hunter2'])));
    expect(await serde.deserialize(AVRO_HI)).toBe('hi');
    expect(authorizations).toEqual([AUTH]);
  });

  it.each(commands)(
    '$name takes it from CANDLESTREAM_REGISTRY_USER_INFO too; a wrong password is refused by the registry',
    async ({ settings }) => {
      authorizations.length = 0;
      const refused = jsonOrAvroSerde(registryFrom(settings(['--registry', url], { CANDLESTREAM_REGISTRY_USER_INFO: 'alice:wrong' })));
      await expect(refused.deserialize(AVRO_HI)).rejects.toThrow(/Unauthorized|401/);
      expect(authorizations).toEqual([`Basic ${Buffer.from('alice:wrong').toString('base64')}`]);
    },
  );

  it('archive never logs it (its settings are logged at start)', () => {
    const s = resolveSettings(ARCHIVE_SETTINGS, ['--out', 'x', '--registry', url, '--registry-user-info', 'alice:hunter2'], {});
    expect(JSON.stringify(printable(ARCHIVE_SETTINGS, s))).not.toContain('hunter2');
  });

  it.each(commands)("$name's --help lists it under --registry", ({ help }) => {
    expect(help).toMatch(/--registry URL .*\n {2}--registry-user-info U:P Basic authentication to it/);
  });

  it.each([
    ['tail', '--idle-exit', '1'],
    ['archive', '--out', 'out/never'],
  ])('a malformed value stops %s at start-up (exit 2) naming the flag, before any broker is asked', (command, ...more) => {
    // A broker that cannot answer: were it asked, the command would fail otherwise (or wait), not with a usage error.
    const r = spawnSync(
      process.execPath,
      ['cli/candlestream.ts', command, ...more, '--brokers', '127.0.0.1:1', '--registry', url, '--registry-user-info', 'no-colon'],
      { cwd: root, encoding: 'utf8', timeout: 20_000 },
    );
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--registry-user-info must be USER:PASSWORD/);
    expect(r.stderr).not.toContain('no-colon');
  });
});
