import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { printable, resolveSettings, type SettingSpec } from '../../cli/settings.ts';

const SPECS: Record<string, SettingSpec> = {
  brokers: { type: 'string', default: 'localhost:9092' },
  'app-id': { type: 'string', default: 'candlestream' },
  guarantee: { type: 'string', default: 'exactly_once' },
  'sasl-password': { type: 'string', secret: true },
  tls: { type: 'boolean', default: false },
};
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const configFile = async (content: unknown) => {
  const dir = await mkdtemp(join(tmpdir(), 'cs-settings-'));
  dirs.push(dir);
  const path = join(dir, 'config.json');
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

describe('settings', () => {
  it('take flags first, then CANDLESTREAM_* variables, then the config file, then defaults', async () => {
    const config = await configFile({ brokers: 'file:1', 'app-id': 'from-file', guarantee: 'at_least_once', tls: true });
    const s = resolveSettings(SPECS, ['--config', config, '--brokers', 'flag:1'], { CANDLESTREAM_BROKERS: 'env:1', CANDLESTREAM_APP_ID: 'from-env', PATH: '/bin' });
    expect(s).toMatchObject({ brokers: 'flag:1', 'app-id': 'from-env', guarantee: 'at_least_once', tls: true });
    expect(resolveSettings(SPECS, [], {})).toMatchObject({ brokers: 'localhost:9092', tls: false });
    expect(resolveSettings(SPECS, [], { CANDLESTREAM_TLS: 'yes', CANDLESTREAM_CONFIG: config })).toMatchObject({ tls: true, 'app-id': 'from-file' });
  });

  it('refuse what is unknown or malformed, naming it', async () => {
    expect(() => resolveSettings(SPECS, [], { CANDLESTREAM_BROKER: 'x' })).toThrow(/CANDLESTREAM_BROKER is not a setting/);
    expect(() => resolveSettings(SPECS, [], { CANDLESTREAM_TLS: 'maybe' })).toThrow(/CANDLESTREAM_TLS must be true or false/);
    expect(() => resolveSettings(SPECS, ['--brokrs', 'x'], {})).toThrow(/brokrs/);
    const unknown = await configFile({ 'group-id': 'x' });
    expect(() => resolveSettings(SPECS, ['--config', unknown], {})).toThrow(new RegExp(`--config ${unknown}: unknown setting "group-id"`));
    const broken = await configFile('{ not json');
    expect(() => resolveSettings(SPECS, ['--config', broken], {})).toThrow(/--config .*JSON/);
  });

  it('never print secrets', () => {
    const s = resolveSettings(SPECS, ['--sasl-password', 'hunter2'], {});
    expect(JSON.stringify(printable(SPECS, s))).not.toContain('hunter2');
  });

  it('stop `run` before it connects, with exit code 2 and the setting named', () => {
    const run = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, ['cli/candlestream.ts', 'run', ...args], { cwd: new URL('../../', import.meta.url).pathname, encoding: 'utf8', env: { ...process.env, ...env } });
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--guarantee', 'twice'], {}, /--guarantee must be exactly_once or at_least_once, not "twice"/],
      [['--format', 'avro'], {}, /--format avro needs --registry/],
      [['--brokers', 'nohost'], {}, /--brokers must be host:port/],
      [['--sasl-mechanism', 'kerberos'], {}, /--sasl-mechanism must be one of plain, scram-sha-256, scram-sha-512/],
      [['--signal-intervals', '5m', '--intervals', '1m'], {}, /--signal-intervals 5m: not among --intervals 1m/],
      [['--commit-interval-ms', '0'], {}, /--commit-interval-ms must be a whole number ≥ 1/],
      [[], { CANDLESTREAM_GUARANTE: 'x' }, /CANDLESTREAM_GUARANTE is not a setting/],
    ];
    for (const [args, env, message] of cases) {
      const r = run(args, env);
      expect(r.status, `${args.join(' ')} ${JSON.stringify(env)}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
