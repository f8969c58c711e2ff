import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { printable, resolveCommandLine, resolveSettings, type SettingSpec } from '../../cli/settings.ts';

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
    const s = resolveSettings(SPECS, ['--config', config, '--brokers', 'flag:1'], {
      CANDLESTREAM_BROKERS: 'env:1',
      CANDLESTREAM_APP_ID: 'from-env',
      PATH: '/bin',
    });
    expect(s).toMatchObject({ brokers: 'flag:1', 'app-id': 'from-env', guarantee: 'at_least_once', tls: true });
    expect(resolveSettings(SPECS, [], {})).toMatchObject({ brokers: 'localhost:9092', tls: false });
    expect(resolveSettings(SPECS, [], { CANDLESTREAM_TLS: 'yes', CANDLESTREAM_CONFIG: config })).toMatchObject({
      tls: true,
      'app-id': 'from-file',
    });
  });

  it('refuse what is unknown or malformed, naming it', async () => {
    expect(() => resolveSettings(SPECS, [], { CANDLESTREAM_TLS: 'maybe' })).toThrow(/CANDLESTREAM_TLS must be true or false/);
    expect(() => resolveSettings(SPECS, ['--brokrs', 'x'], {})).toThrow('unknown flag --brokrs (did you mean --brokers?)');
    expect(() => resolveSettings(SPECS, ['--zzz=1'], {})).toThrow(/^unknown flag --zzz$/);
    expect(() => resolveSettings(SPECS, ['--hlep'], {})).toThrow('unknown flag --hlep (did you mean --help?)');
    const unknown = await configFile({ 'group-id': 'x' });
    expect(() => resolveSettings(SPECS, ['--config', unknown], {})).toThrow(new RegExp(`--config ${unknown}: unknown setting "group-id"`));
    const broken = await configFile('{ not json');
    expect(() => resolveSettings(SPECS, ['--config', broken], {})).toThrow(/--config .*JSON/);
  });

  it('warn about a CANDLESTREAM_ variable that is not a setting, naming it and the one it may mean, and go on', () => {
    const warnings: string[] = [];
    const s = resolveSettings(SPECS, [], { CANDLESTREAM_BROKER: 'x', CANDLESTREAM_APP_ID: 'env', CANDLESTREAM_ZZZ: '1' }, (w) =>
      warnings.push(w),
    );
    expect(s).toMatchObject({ brokers: 'localhost:9092', 'app-id': 'env' });
    expect(warnings).toEqual([
      'environment variable CANDLESTREAM_BROKER is not a setting of this command, ignored (did you mean CANDLESTREAM_BROKERS?)',
      'environment variable CANDLESTREAM_ZZZ is not a setting of this command, ignored',
    ]);
  });

  it('give a command that takes operands its operands, in order, and refuse them elsewhere', () => {
    const { settings, positionals } = resolveCommandLine(SPECS, ['out/features', '--tls', 'more'], { CANDLESTREAM_APP_ID: 'env' });
    expect(positionals).toEqual(['out/features', 'more']);
    expect(settings).toMatchObject({ tls: true, 'app-id': 'env' });
    expect(() => resolveSettings(SPECS, ['out/features'], {})).toThrow(
      /^unexpected argument "out\/features": this command takes flags only$/,
    );
    expect(() => resolveSettings(SPECS, ['--tls', 'broker'], {})).toThrow(
      'unexpected argument "broker": this command takes flags only (did you mean --brokers?)',
    );
  });

  it('never print secrets', () => {
    const s = resolveSettings(SPECS, ['--sasl-password', 'hunter2'], {});
    expect(JSON.stringify(printable(SPECS, s))).not.toContain('hunter2');
  });

  it('stop `run` before it connects, with exit code 2 and the setting named', () => {
    const run = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, ['cli/candlestream.ts', 'run', ...args], {
        cwd: new URL('../../', import.meta.url).pathname,
        encoding: 'utf8',
        env: { ...process.env, ...env },
      });
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--guarantee', 'twice'], {}, /--guarantee must be exactly_once or at_least_once, not "twice"/],
      [['--format', 'avro'], {}, /--format avro needs --registry/],
      [['--brokers', 'nohost'], {}, /--brokers must be host:port/],
      [['--sasl-mechanism', 'kerberos'], {}, /--sasl-mechanism must be one of plain, scram-sha-256, scram-sha-512/],
      [['--signal-intervals', '5m', '--intervals', '1m'], {}, /--signal-intervals 5m: not among --intervals 1m/],
      [['--commit-interval-ms', '0'], {}, /--commit-interval-ms must be a whole number ≥ 1/],
      [
        ['--guarantee', 'x'],
        { CANDLESTREAM_GUARANTE: 'x' },
        /CANDLESTREAM_GUARANTE is not a setting.*did you mean CANDLESTREAM_GUARANTEE\?/,
      ],
    ];
    for (const [args, env, message] of cases) {
      const r = run(args, env);
      expect(r.status, `${args.join(' ')} ${JSON.stringify(env)}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe('every command', () => {
  const root = new URL('../../', import.meta.url).pathname;
  const cli = (args: string[], env: Record<string, string> = {}, cwd = root) =>
    spawnSync(process.execPath, [`${root}cli/candlestream.ts`, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  const COMMANDS = ['run', 'backfill', 'describe', 'show', 'publish', 'archive', 'import', 'tail', 'train'];

  it.each(COMMANDS)(
    '%s refuses a config key that is none of its settings, and warns about such a CANDLESTREAM_ variable',
    async (command) => {
      const config = await configFile({ 'no-such-setting': 1 });
      // The config key stops start-up (so nothing connects or writes); the variable before it only warns.
      const r = cli([command, '--config', config], { CANDLESTREAM_NO_SUCH_SETTING: 'x' });
      expect(r.status, r.stderr).toBe(2);
      const [warning, error, ...rest] = r.stderr.split('\n');
      expect(warning).toBe('warning: environment variable CANDLESTREAM_NO_SUCH_SETTING is not a setting of this command, ignored');
      expect(error).toMatch(`candlestream ${command}: --config ${config}: unknown setting "no-such-setting" (settings: `);
      expect(rest).toEqual([`See \`candlestream ${command} --help\`.`, '']);
    },
  );

  it.each(COMMANDS)('%s says in its --help where settings come from', (command) => {
    const help = cli([command, '--help']).stdout;
    expect(help).toMatch(/CANDLESTREAM_<FLAG>/);
    expect(help).toMatch(/--config FILE/);
  });

  it('describe takes its settings from CANDLESTREAM_* variables and a config file, flags first', async () => {
    const config = await configFile({ format: 'mermaid', 'signal-intervals': '1h', intervals: '1m,5m' });
    const r = cli(['describe', '--config', config, '--format', 'text'], { CANDLESTREAM_INTERVALS: '1m,1h' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Processor: candles (stores: [candles-1m, candles-1h, candles-emitted])');
    expect(r.stdout).toContain('Processor: signal-rule');
    expect(r.stdout).not.toContain('```mermaid');
  });

  it('backfill and show take theirs the same way: a list from a variable, a switch and a sink from the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-settings-'));
    dirs.push(dir);
    const t0 = Date.UTC(2024, 0, 1);
    const rows = (price: number) =>
      Array.from({ length: 10 }, (_, i) => `${new Date(t0 + i * 60_000).toISOString()},${price},${price + 1},${price - 1},${price},1`);
    await writeFile(join(dir, 'BTCUSDT_1m.csv'), ['time,open,high,low,close,volume', ...rows(100)].join('\n') + '\n');
    await writeFile(join(dir, 'ETHUSDT_1m.csv'), ['time,open,high,low,close,volume', ...rows(10)].join('\n') + '\n');
    const config = join(dir, 'backfill.json');
    await writeFile(config, JSON.stringify({ sink: 'jsonl:out.jsonl', intervals: '1m', quiet: true, fresh: true }));
    const backfill = cli(['backfill'], { CANDLESTREAM_SOURCE: 'BTCUSDT_1m.csv,ETHUSDT_1m.csv', CANDLESTREAM_CONFIG: config }, dir);
    expect(backfill.status, backfill.stderr).toBe(0);
    expect(backfill.stderr).toBe(''); // quiet, from the file
    const features = (await readFile(join(dir, 'out.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const series = features.map((f) => `${f.symbol} ${f.interval}`).sort();
    expect(series).toEqual([...Array(10).fill('BTC-USDT 1m'), ...Array(10).fill('ETH-USDT 1m')]);
    const show = cli(['show', 'out.jsonl'], { CANDLESTREAM_ROWS: '1', CANDLESTREAM_COLUMNS: 'close' }, dir);
    expect(show.status, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^20 feature rows in out\.jsonl$/m);
    expect(show.stdout).toContain('BTC-USDT 1m, last 1:');
    expect(show.stdout).not.toContain('rsi_14');
  });
});
