import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { schemaRegistry } from '../live/registrySerdes.ts';
import { registryUserInfo } from './kafkaStreamsConfig.ts';
import type { SettingSpec, Settings } from './settings.ts';

/** The schema registry's flags, as every command that talks to it (run, tail, archive) takes them. */
export const REGISTRY_SETTINGS: Record<string, SettingSpec> = {
  registry: { type: 'string' },
  'registry-user-info': { type: 'string', secret: true },
};

/** --registry-user-info in a command's --help (each says what it uses --registry for on the line above). */
export const REGISTRY_USER_INFO_HELP = `  --registry-user-info U:P Basic authentication to it, as Confluent's basic.auth.user.info (prefer
                           CANDLESTREAM_REGISTRY_USER_INFO: it is never logged)`;

/**
 * The registry --registry names, with --registry-user-info's Basic authentication; undefined without
 * --registry. A malformed --registry-user-info stops start-up naming it, with or without --registry.
 */
export function registryFrom(s: Settings): SchemaRegistry | undefined {
  const auth = registryUserInfo(s['registry-user-info']);
  return s.registry ? schemaRegistry(String(s.registry), auth) : undefined;
}
