import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';

const root = new URL('../../', import.meta.url).pathname;

declare module 'vitest' {
  export interface ProvidedContext {
    brokers: string;
    /** The same broker's SASL listener (PLAIN, SCRAM-SHA-256/512; user candlestream / candlestream-secret). */
    saslBrokers: string;
    /** Its TLS listener, and the PEM file that trusts its self-signed certificate. */
    tlsBrokers: string;
    tlsCa: string;
    registryUrl: string;
    /** HDFS's WebHDFS endpoint (the NameNode's HTTP address; the REST API is under /webhdfs/v1) and the
     * user.name to call it as; an empty URL when the suite runs against external servers without WEBHDFS_URL. */
    webhdfsUrl: string;
    webhdfsUser: string;
    /** The servers are stack/stack.sh's, so a test may stop and restart them. */
    stackScript: boolean;
  }
}

/**
 * The live suite runs against the real stack: Kafka, the schema registry and HDFS that `npm run stack:up`
 * starts (fetched from Maven Central on first use). A stack that already runs is used and left running;
 * one started here is stopped afterwards. KAFKA_BROKERS and SCHEMA_REGISTRY_URL, both set (and
 * KAFKA_SASL_BROKERS, KAFKA_TLS_BROKERS and KAFKA_TLS_CA for those tests), point the suite at other servers instead (another Kafka version, say).
 * WEBHDFS_URL (http://host:port of a NameNode, and WEBHDFS_USER, default candlestream) points it at another
 * HDFS, with the stack's Kafka or without.
 */
export default function setup(project: TestProject) {
  if (process.env.KAFKA_BROKERS && process.env.SCHEMA_REGISTRY_URL) {
    project.provide('brokers', process.env.KAFKA_BROKERS);
    project.provide('saslBrokers', process.env.KAFKA_SASL_BROKERS ?? '');
    project.provide('tlsBrokers', process.env.KAFKA_TLS_BROKERS ?? '');
    project.provide('tlsCa', process.env.KAFKA_TLS_CA ?? '');
    project.provide('registryUrl', process.env.SCHEMA_REGISTRY_URL);
    project.provide('webhdfsUrl', process.env.WEBHDFS_URL ?? '');
    project.provide('webhdfsUser', process.env.WEBHDFS_USER ?? 'candlestream');
    project.provide('stackScript', false);
    return;
  }
  const wasRunning = (() => {
    try {
      execFileSync('stack/stack.sh', ['status'], { cwd: root, stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  const out = execFileSync('stack/stack.sh', ['up'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 600_000,
  });
  const vars = Object.fromEntries(
    out
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => l.split('=', 2)),
  );
  if (!vars.KAFKA_BROKERS || !vars.SCHEMA_REGISTRY_URL) throw new Error(`stack/stack.sh up printed no addresses:\n${out}`);
  project.provide('brokers', vars.KAFKA_BROKERS);
  project.provide('saslBrokers', vars.KAFKA_SASL_BROKERS ?? '');
  project.provide('tlsBrokers', vars.KAFKA_TLS_BROKERS ?? '');
  project.provide('tlsCa', vars.KAFKA_TLS_CA ?? '');
  project.provide('registryUrl', vars.SCHEMA_REGISTRY_URL);
  project.provide('webhdfsUrl', process.env.WEBHDFS_URL ?? vars.WEBHDFS_URL ?? '');
  project.provide('webhdfsUser', process.env.WEBHDFS_USER ?? vars.WEBHDFS_USER ?? 'candlestream');
  project.provide('stackScript', true);
  return () => {
    if (!wasRunning) execFileSync('stack/stack.sh', ['down'], { cwd: root, stdio: 'inherit' });
  };
}
