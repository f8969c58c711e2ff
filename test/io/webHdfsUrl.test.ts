import { describe, expect, it } from 'vitest';
import { webHdfsUrl } from '../../io/storage/WebHdfsStorage.ts';

describe('WebHDFS URLs', () => {
  it('escape every path segment, so the call targets the very file named', () => {
    const url = (path: string) => webHdfsUrl('http://nn:9870/', path, 'DELETE', { recursive: true });
    const check = (path: string) => {
      const u = url(path);
      expect(decodeURIComponent(u.pathname)).toBe(`/webhdfs/v1${path}`);
      expect(u.hash).toBe('');
      expect(Object.fromEntries(u.searchParams)).toEqual({ op: 'DELETE', recursive: 'true' });
    };
    for (const path of [
      '/lake/BTCUSDT#2.csv',
      '/lake/what?.csv',
      '/lake/50%/a%2Fb.csv',
      '/lake/with space/x.csv',
      '/lake/ビットコイン/€.parquet',
      '/',
    ])
      check(path);
    expect(url('/lake/BTCUSDT#2.csv').href).toBe('http://nn:9870/webhdfs/v1/lake/BTCUSDT%232.csv?op=DELETE&recursive=true');
    expect(url('/lake/a b/c?d%e').pathname).toBe('/webhdfs/v1/lake/a%20b/c%3Fd%25e');
  });

  it('carry the user or the delegation token, and the parameters, as query values', () => {
    const u = webHdfsUrl('http://nn:9870', '/a&b/c', 'RENAME', { destination: '/x#y/z?w' }, { user: 'hdfs user' });
    expect(u.pathname).toBe('/webhdfs/v1/a%26b/c');
    expect(Object.fromEntries(u.searchParams)).toEqual({ op: 'RENAME', 'user.name': 'hdfs user', destination: '/x#y/z?w' });
    expect(webHdfsUrl('http://nn:9870', '/a', 'OPEN', {}, { user: 'u', token: 't' }).searchParams.get('delegation')).toBe('t');
  });
});
