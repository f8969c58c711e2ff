import type { HdfsSettings } from '../io/storage/storageFor.ts';

/** How to reach HDFS, for every command that reads or writes hdfs:// locations. */
export const HDFS_FLAGS = {
  webhdfs: { type: 'string' },
  'hdfs-user': { type: 'string' },
  'hdfs-token': { type: 'string', secret: true },
} as const;

export const HDFS_HELP = `HDFS (for hdfs://namenode:8020/path and webhdfs://namenode:9870/path locations):
  --webhdfs URL            the NameNode's WebHDFS address for hdfs:// locations (default
                           http://<namenode>:9870; env CANDLESTREAM_WEBHDFS)
  --hdfs-user NAME         act as this user (simple authentication; default $HADOOP_USER_NAME)
  --hdfs-token TOKEN       a delegation token instead (env CANDLESTREAM_HDFS_TOKEN)`;

export function hdfsSettings(
  values: { webhdfs?: unknown; 'hdfs-user'?: unknown; 'hdfs-token'?: unknown },
  env: NodeJS.ProcessEnv = process.env,
): HdfsSettings {
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    webhdfs: text(values.webhdfs) ?? text(env.CANDLESTREAM_WEBHDFS),
    user: text(values['hdfs-user']) ?? text(env.HADOOP_USER_NAME),
    token: text(values['hdfs-token']) ?? text(env.CANDLESTREAM_HDFS_TOKEN),
  };
}
