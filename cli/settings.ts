import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { didYouMean, nearest } from './didYouMean.ts';
import { redactCredentials } from './redactCredentials.ts';
import { UsageError } from './UsageError.ts';

export interface SettingSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  default?: string | boolean | string[];
  /** Never printed or logged (passwords). */
  secret?: boolean;
}

export type Settings = Record<string, string | boolean | string[] | undefined>;

/** A setting's value as its spec says: booleans, lists (`multiple`) or text. */
type SettingValue<S extends SettingSpec> = S['type'] extends 'boolean' ? boolean : S extends { multiple: true } ? string[] : string;

/** Settings typed after their specs (declared `as const`): a setting with a default is always there. */
export type SettingsOf<T extends Record<string, SettingSpec>> = string extends keyof T
  ? Settings
  : { [K in keyof T]: T[K] extends { default: string | boolean | string[] } ? SettingValue<T[K]> : SettingValue<T[K]> | undefined };

/** Variables of ours that are not settings of a command (the toolchain's, the stack's, debugging). */
const NOT_SETTINGS = new Set(['CANDLESTREAM_DEBUG', 'CANDLESTREAM_STACK_DIR', 'CANDLESTREAM_TOOLCHAIN']);

/** Said in every command's --help: where settings come from (docs/configuration.md: "Settings"). */
export const SETTINGS_HELP = `Settings come from flags, then CANDLESTREAM_<FLAG> environment variables (the flag in capitals,
- as _), then a JSON file (--config FILE, keys named as the flags), then the defaults.`;

export const envName = (flag: string) => `CANDLESTREAM_${flag.toUpperCase().replace(/-/g, '_')}`;

/**
 * A command's settings from, in order of precedence: its flags, `CANDLESTREAM_<FLAG>` environment
 * variables, a JSON config file (`--config FILE`, keys named as the flags), then the defaults.
 * An unknown flag or config-file key stops start-up with a message that names it; an unknown
 * variable is named in a warning (`warn`, default stderr) and ignored: a shell may export settings
 * of another command, and Kafka Streams too only warns about a setting it does not use.
 */
export function resolveSettings<T extends Record<string, SettingSpec>>(
  specs: T,
  args: string[],
  env: NodeJS.ProcessEnv,
  warn: (line: string) => void = warnOnStderr,
): SettingsOf<T> {
  return resolveCommandLine(specs, args, env, false, warn).settings;
}

const warnOnStderr = (line: string) => void process.stderr.write(`warning: ${line}\n`);

/** As resolveSettings, for a command that also takes operands (`show DIR`): the settings, and the operands in order. */
export function resolveCommandLine<T extends Record<string, SettingSpec>>(
  specs: T,
  args: string[],
  env: NodeJS.ProcessEnv,
  allowPositionals = true,
  warn: (line: string) => void = warnOnStderr,
): { settings: SettingsOf<T>; positionals: string[] } {
  const options = Object.fromEntries(Object.entries(specs).map(([name, s]) => [name, { type: s.type, multiple: s.multiple ?? false }]));
  const config = { config: { type: 'string' } };
  const { values: flags, positionals } = parseFlags(args, { ...options, ...config }, allowPositionals);

  const fromEnv: Settings = {};
  for (const [key, raw] of Object.entries(env)) {
    if (!key.startsWith('CANDLESTREAM_') || NOT_SETTINGS.has(key) || key === 'CANDLESTREAM_CONFIG' || raw === undefined) continue;
    const name = Object.keys(specs).find((n) => envName(n) === key);
    if (name) fromEnv[name] = convert(specs[name], raw, key);
    else {
      const meant = nearest(key.slice('CANDLESTREAM_'.length).replace(/_/g, '-'), Object.keys(specs));
      warn(`environment variable ${key} is not a setting of this command, ignored${meant ? ` (did you mean ${envName(meant)}?)` : ''}`);
    }
  }

  const configPath = ((flags as Settings).config as string | undefined) ?? env.CANDLESTREAM_CONFIG;
  const fromFile: Settings = {};
  if (configPath) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(configPath, 'utf8'));
    } catch (e) {
      throw new UsageError(`--config ${configPath}: ${(e as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new UsageError(`--config ${configPath}: expected a JSON object of settings`);
    for (const [key, value] of Object.entries(parsed)) {
      const spec = specs[key];
      if (!spec)
        throw new UsageError(
          `--config ${configPath}: unknown setting "${key}"${didYouMean(key, Object.keys(specs)) || ` (settings: ${Object.keys(specs).join(', ')})`}`,
        );
      fromFile[key] =
        typeof value === 'string'
          ? convert(spec, value, `"${key}" in ${configPath}`)
          : spec.multiple && Array.isArray(value)
            ? value.map(String)
            : typeof value === 'boolean' || spec.type === 'boolean'
              ? Boolean(value)
              : String(value);
    }
  }

  const settings: Settings = {};
  for (const [name, spec] of Object.entries(specs)) {
    settings[name] = (flags as Settings)[name] ?? fromEnv[name] ?? fromFile[name] ?? spec.default;
  }
  return { settings: settings as SettingsOf<T>, positionals };
}

/** node:util's parseArgs, strict; an unknown flag, or a flag's name without its dashes, is a UsageError that suggests the flag meant. */
function parseFlags(args: string[], options: Record<string, { type: string; multiple?: boolean }>, allowPositionals: boolean) {
  try {
    return parseArgs({ args, options: options as never, strict: true, allowPositionals });
  } catch (e) {
    const { code, message } = e as { code?: string; message: string };
    const word = /'([^']*)'/.exec(message)?.[1];
    const flags = [...Object.keys(options), 'help'].map((name) => `--${name}`);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && word) {
      const flag = word.split('=')[0];
      throw new UsageError(`unknown flag ${flag}${didYouMean(flag, flags)}`);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && word)
      throw new UsageError(`unexpected argument "${word}": this command takes flags only${didYouMean(`--${word}`, flags)}`);
    throw e;
  }
}

function convert(spec: SettingSpec, raw: string, where: string): string | boolean | string[] {
  if (spec.type === 'boolean') {
    if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', ''].includes(raw.toLowerCase())) return false;
    throw new UsageError(`${where} must be true or false, not "${raw}"`);
  }
  return spec.multiple
    ? raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : raw;
}

/** The settings with secrets masked, and credentials in URLs (a --registry https://user:pass@…), for the start-up log line. */
export function printable(specs: Record<string, SettingSpec>, settings: Settings): Settings {
  const shown = (v: string | boolean | string[]) =>
    typeof v === 'string' ? redactCredentials(v) : Array.isArray(v) ? v.map(redactCredentials) : v;
  return Object.fromEntries(
    Object.entries(settings)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, specs[k]?.secret ? '***' : shown(v!)]),
  );
}
