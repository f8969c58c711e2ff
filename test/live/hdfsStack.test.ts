import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { describe, expect, inject, it } from 'vitest';

// A smoke test of the stack's HDFS through WebHDFS, with no client library: fetch for the NameNode's
// calls and for reads (fetch follows OPEN's redirect to the DataNode by itself), node:http for the
// DataNode's step of CREATE. That step cannot use fetch: the DataNode answers with "100 Continue" before
// its 201 whether or not the client asked, and undici (fetch) fails on it with "bad response"
// (nodejs/undici#197), while node:http skips it.
const webhdfsUrl = inject('webhdfsUrl');
const user = inject('webhdfsUser');

function url(path: string, op: string, params: Record<string, string | number | boolean> = {}) {
  const u = new URL(`${webhdfsUrl.replace(/\/$/, '')}/webhdfs/v1${path}`);
  u.searchParams.set('op', op);
  u.searchParams.set('user.name', user);
  for (const [key, value] of Object.entries(params)) u.searchParams.set(key, String(value));
  return u;
}

async function call(method: string, path: string, op: string, params?: Record<string, string | number | boolean>) {
  const res = await fetch(url(path, op, params), { method });
  const body = await res.text();
  if (!res.ok) throw new Error(`${method} ${op} ${path}: ${res.status} ${body}`);
  return JSON.parse(body);
}

/** The DataNode's step of CREATE: PUT the bytes to the Location the NameNode named. */
function upload(location: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(location, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe("the stack's HDFS, through WebHDFS from Node", () => {
  it('makes a directory, creates a file in two steps, reads a range of it back, lists, renames and deletes', async () => {
    if (!webhdfsUrl) throw new Error('no HDFS: run against stack/stack.sh, or set WEBHDFS_URL');
    const dir = `/candlestream-test-${process.pid}-${Date.now()}`;
    const bytes = Buffer.concat([Buffer.from('hello hdfs, '), randomBytes(4000)]);
    try {
      expect(await call('PUT', `${dir}/raw`, 'MKDIRS')).toEqual({ boolean: true });

      // Step 1: the NameNode names a DataNode (noredirect: as JSON instead of a 307). Step 2: the bytes go there.
      const { Location } = await call('PUT', `${dir}/raw/a.bin`, 'CREATE', { overwrite: false, noredirect: true });
      expect(new URL(Location).pathname).toBe(`/webhdfs/v1${dir}/raw/a.bin`);
      const created = await upload(Location, bytes);
      expect(created, created.text).toMatchObject({ status: 201 });

      const whole = await fetch(url(`${dir}/raw/a.bin`, 'OPEN'));
      expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
      const range = await fetch(url(`${dir}/raw/a.bin`, 'OPEN', { offset: 6, length: 4 }));
      expect(await range.text()).toBe('hdfs');
      const tail = await fetch(url(`${dir}/raw/a.bin`, 'OPEN', { offset: 3000, length: 100 }));
      expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(3000, 3100))).toBe(true);

      const listed = (await call('GET', `${dir}/raw`, 'LISTSTATUS')).FileStatuses.FileStatus;
      expect(listed).toEqual([expect.objectContaining({ pathSuffix: 'a.bin', type: 'FILE', length: bytes.length, replication: 1 })]);

      expect(await call('PUT', `${dir}/raw/a.bin`, 'RENAME', { destination: `${dir}/raw/b.bin` })).toEqual({ boolean: true });
      const gone = await fetch(url(`${dir}/raw/a.bin`, 'GETFILESTATUS'));
      expect(gone.status).toBe(404);
      expect((await gone.json()).RemoteException.exception).toBe('FileNotFoundException');
      expect((await call('GET', `${dir}/raw/b.bin`, 'GETFILESTATUS')).FileStatus.length).toBe(bytes.length);

      expect(await call('DELETE', dir, 'DELETE', { recursive: true })).toEqual({ boolean: true });
      expect((await fetch(url(dir, 'GETFILESTATUS'))).status).toBe(404);
    } finally {
      await fetch(url(dir, 'DELETE', { recursive: true }), { method: 'DELETE' }).catch(() => undefined);
    }
  });
});
