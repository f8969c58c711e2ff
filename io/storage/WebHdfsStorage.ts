import { request, type IncomingMessage } from 'node:http';
import { request as requestTls } from 'node:https';
import type { Storage, StorageEntry } from './Storage.ts';

export interface WebHdfsOptions {
  /** The NameNode's HTTP address, e.g. http://127.0.0.1:9870. */
  namenode: string;
  /** How paths are named in messages, e.g. hdfs://127.0.0.1:8020. */
  authority: string;
  /** Simple authentication: the user to act as (`user.name`). */
  user?: string;
  /** A delegation token (from `hdfs fetchdt` or a job's credentials), used instead of the user name. */
  token?: string;
  /** A call whose connection stays silent this long fails (default 120 s): a stalled node never hangs a run. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;

interface FileStatus {
  pathSuffix: string;
  type: 'FILE' | 'DIRECTORY' | 'SYMLINK';
  length: number;
  modificationTime: number;
}

/** A WebHDFS call that failed: the HTTP status and, when HDFS says, its exception's name. */
export class WebHdfsError extends Error {
  readonly status: number;
  readonly exception: string | undefined;
  constructor(message: string, status: number, exception: string | undefined) {
    super(message);
    this.status = status;
    this.exception = exception;
  }
}

/**
 * HDFS through its REST API, WebHDFS, with no client library, on node:http. Not `fetch`: the undici
 * bundled with Node 24 (7.30) crashes the process with an uncatchable `assert(!this.paused)` when a
 * DataNode closes its connection while a reader lags behind the body (nodejs/undici#5360), and
 * DataNodes answer a write's DataNode step with an unsolicited `100 Continue` that fetch rejects.
 * The maintained npm clients do not exist (`webhdfs` was last released in 2018, on `request`).
 */
export class WebHdfsStorage implements Storage {
  readonly #o: WebHdfsOptions;

  constructor(options: WebHdfsOptions) {
    this.#o = options;
  }

  uri(path: string): string {
    return `${this.#o.authority}${path}`;
  }

  async stat(path: string): Promise<StorageEntry | undefined> {
    try {
      const { FileStatus } = (await this.#json('GET', path, 'GETFILESTATUS')) as { FileStatus: FileStatus };
      return entry(path, path.split('/').pop() ?? '', FileStatus);
    } catch (e) {
      if (e instanceof WebHdfsError && e.status === 404) return undefined;
      throw e;
    }
  }

  async list(dir: string): Promise<StorageEntry[]> {
    const { FileStatuses } = (await this.#json('GET', dir, 'LISTSTATUS')) as { FileStatuses: { FileStatus: FileStatus[] } };
    const base = dir.endsWith('/') ? dir : `${dir}/`;
    return FileStatuses.FileStatus.map((s) => entry(base + s.pathSuffix, s.pathSuffix, s)).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  }

  async read(path: string, offset: number, length: number): Promise<Uint8Array> {
    return new Uint8Array(await body(await this.#call('GET', path, 'OPEN', { offset, length })));
  }

  async *stream(path: string): AsyncIterable<Uint8Array> {
    yield* (await this.#call('GET', path, 'OPEN')) as AsyncIterable<Buffer>;
  }

  async write(path: string, bytes: Uint8Array): Promise<void> {
    // Step one: the NameNode names a DataNode (noredirect: as JSON rather than a 307 without the body).
    const { Location } = (await this.#json('PUT', path, 'CREATE', { overwrite: true, noredirect: true })) as { Location: string };
    await upload(Location, bytes, this.uri(path), this.#timeoutMs);
  }

  async rename(from: string, to: string): Promise<void> {
    const parent = to.slice(0, to.lastIndexOf('/')) || '/';
    await this.#json('PUT', parent, 'MKDIRS');
    let { boolean: done } = (await this.#json('PUT', from, 'RENAME', { destination: to })) as { boolean: boolean };
    if (!done && (await this.stat(to)) && (await this.stat(from))) {
      // HDFS does not rename onto an existing file: remove it first (readers may briefly miss it).
      // Only while the source exists: without it, removing the destination would lose the only copy.
      await this.remove(to);
      ({ boolean: done } = (await this.#json('PUT', from, 'RENAME', { destination: to })) as { boolean: boolean });
    }
    if (!done) throw new WebHdfsError(`${this.uri(from)}: cannot rename to ${to} (does the source exist?)`, 200, undefined);
  }

  async remove(path: string): Promise<void> {
    await this.#json('DELETE', path, 'DELETE', { recursive: true });
  }

  get #timeoutMs(): number {
    return this.#o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async #json(method: string, path: string, op: string, params: Record<string, string | number | boolean> = {}): Promise<unknown> {
    return JSON.parse((await body(await this.#call(method, path, op, params))).toString());
  }

  async #call(method: string, path: string, op: string, params: Record<string, string | number | boolean> = {}): Promise<IncomingMessage> {
    const url = webHdfsUrl(this.#o.namenode, path, op, params, this.#o);
    // A keep-alive connection the NameNode has closed fails the next request on it: calls that can
    // be repeated safely (reads, MKDIRS, DELETE, and CREATE's first step, which only names a DataNode)
    // are tried again, the others fail as they are.
    const repeatable = method === 'GET' || op === 'MKDIRS' || op === 'DELETE' || op === 'CREATE';
    let response: IncomingMessage | undefined;
    for (let attempt = 1; !response; attempt++) {
      try {
        response = await call(method, url, this.#timeoutMs);
      } catch (e) {
        if (repeatable && attempt < 3) {
          await new Promise((r) => setTimeout(r, 100 * attempt));
          continue;
        }
        throw new WebHdfsError(`${this.uri(path)}: WebHDFS at ${this.#o.namenode} does not answer (${(e as Error).message})`, 0, undefined);
      }
    }
    if (response.statusCode! >= 300) throw await failure(response, `${op} ${this.uri(path)}`);
    return response;
  }
}

/**
 * The REST URL of one WebHDFS call. Each path segment is escaped on its own (encodeURI would leave `#` and
 * `?`, so a DELETE of /lake/BTCUSDT#2.csv would target /lake/BTCUSDT); parameters go in the query.
 */
export function webHdfsUrl(
  namenode: string,
  path: string,
  op: string,
  params: Record<string, string | number | boolean> = {},
  auth: { user?: string; token?: string } = {},
): URL {
  const escaped = path.split('/').map(encodeURIComponent).join('/');
  const url = new URL(`${namenode.replace(/\/$/, '')}/webhdfs/v1${escaped}`);
  url.searchParams.set('op', op);
  if (auth.token) url.searchParams.set('delegation', auth.token);
  else if (auth.user) url.searchParams.set('user.name', auth.user);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, String(v));
  return url;
}

function entry(path: string, name: string, s: FileStatus): StorageEntry {
  return { path, name, directory: s.type === 'DIRECTORY', size: s.length, modifiedMs: s.modificationTime };
}

/** One HTTP call; a read's redirect from the NameNode to a DataNode is followed. */
async function call(method: string, url: URL, timeoutMs: number): Promise<IncomingMessage> {
  for (let hops = 0; ; hops++) {
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = (url.protocol === 'https:' ? requestTls : request)(url, { method, timeout: timeoutMs }, resolve);
      req
        .on('error', reject)
        .on('timeout', () => req.destroy(silence(timeoutMs)))
        .end();
    });
    const location = response.headers.location;
    if (method !== 'GET' || !location || ![301, 302, 303, 307, 308].includes(response.statusCode!) || hops === 5) return response;
    response.resume(); // drop the redirect's body, freeing its connection
    url = new URL(location, url);
  }
}

async function body(response: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function failure(response: IncomingMessage, what: string): Promise<WebHdfsError> {
  return webHdfsError(response.statusCode!, (await body(response)).toString(), what);
}

function webHdfsError(status: number, text: string, what: string): WebHdfsError {
  let remote: { exception?: string; message?: string } | undefined;
  try {
    remote = JSON.parse(text).RemoteException;
  } catch {
    // not JSON: keep the text
  }
  const why = remote ? `${remote.exception}: ${remote.message}` : text.slice(0, 200);
  return new WebHdfsError(`${what}: HTTP ${status} ${why}`, status, remote?.exception);
}

/** The socket's idle timeout also covers a body that stops arriving: the reader gets this error. */
function silence(timeoutMs: number): Error {
  return new Error(`no data for ${timeoutMs / 1000} s`);
}

/** The DataNode step of a write (see the class comment for why it is not fetch). */
function upload(location: string, bytes: Uint8Array, what: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const send = location.startsWith('https:') ? requestTls : request;
    const req = send(
      location,
      { method: 'PUT', timeout: timeoutMs, headers: { 'content-type': 'application/octet-stream', 'content-length': bytes.length } },
      (res) => {
        body(res).then((text) => {
          if (res.statusCode! >= 200 && res.statusCode! < 300) resolve();
          else reject(webHdfsError(res.statusCode!, text.toString(), `CREATE ${what}`));
        }, reject);
      },
    );
    req.on('timeout', () => req.destroy(silence(timeoutMs)));
    req.on('error', (e) =>
      reject(new WebHdfsError(`CREATE ${what}: the DataNode at ${location.split('?')[0]} does not answer (${e.message})`, 0, undefined)),
    );
    req.end(bytes);
  });
}
