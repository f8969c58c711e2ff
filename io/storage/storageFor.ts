import { LocalStorage } from './LocalStorage.ts';
import type { Storage } from './Storage.ts';
import { WebHdfsStorage } from './WebHdfsStorage.ts';

/** How to reach HDFS: flags or CANDLESTREAM_HDFS_* variables; all optional on a default cluster. */
export interface HdfsSettings {
  /** The NameNode's WebHDFS address for hdfs:// URIs (default: the URI's host, port 9870, Hadoop 3's). */
  webhdfs?: string;
  user?: string;
  token?: string;
}

/**
 * The storage a location names, and the path within it:
 * - `hdfs://namenode:8020/path`: HDFS, through WebHDFS at `webhdfs` (default http://namenode:9870);
 * - `webhdfs://namenode:9870/path`: HDFS through WebHDFS at that address (Hadoop's own scheme);
 * - anything else: a local path.
 */
export function storageFor(location: string, hdfs: HdfsSettings = {}): { storage: Storage; path: string } {
  const match = /^(hdfs|webhdfs|swebhdfs):\/\/([^/]*)(\/.*)?$/.exec(location);
  if (!match) return { storage: new LocalStorage(), path: location };
  const [, scheme, authority, path = '/'] = match;
  if (!authority) throw new Error(`${location}: name the NameNode, e.g. hdfs://namenode:8020/path`);
  const host = authority.replace(/:\d+$/, '');
  const namenode =
    scheme === 'hdfs' ? (hdfs.webhdfs ?? `http://${host}:9870`) : `${scheme === 'swebhdfs' ? 'https' : 'http'}://${authority}`;
  return {
    storage: new WebHdfsStorage({ namenode, authority: `${scheme}://${authority}`, user: hdfs.user, token: hdfs.token }),
    path: decodeURI(path),
  };
}
