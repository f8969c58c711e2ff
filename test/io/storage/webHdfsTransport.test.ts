import { createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { WebHdfsStorage } from '../../../io/storage/WebHdfsStorage.ts';

// The HTTP transport under WebHDFS, against a bare TCP server that answers the way DataNodes do:
// `Connection: close`, then FIN right after the body. (The HDFS semantics are tested on real HDFS.)
let server: Server | undefined;
afterEach(() => server?.close());

function serve(body: Buffer): Promise<string> {
  server = createServer((socket) => {
    socket.once('data', (request) => {
      const [, target] = request.toString().split(' ');
      if (target.includes('op=OPEN') && !target.startsWith('/datanode')) {
        // The NameNode redirects a read to a DataNode.
        socket.end(`HTTP/1.1 307 Temporary Redirect\r\nLocation: /datanode${target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      } else {
        socket.write(
          `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
        );
        socket.end(body);
      }
    });
  });
  return new Promise((resolve) =>
    server!.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server!.address() as { port: number }).port}`)),
  );
}

describe('WebHdfsStorage transport', () => {
  it('a slow reader of a file the DataNode has finished sending (FIN while the reader lags) gets every byte', async () => {
    const body = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7919) & 0xff;
    const storage = new WebHdfsStorage({ namenode: await serve(body), authority: 'hdfs://test' });
    const chunks: Buffer[] = [];
    for await (const chunk of storage.stream('/x')) {
      chunks.push(Buffer.from(chunk));
      await sleep(50); // lag behind: the socket has ended meanwhile
    }
    expect(Buffer.concat(chunks).equals(body)).toBe(true);
  });

  it('a whole-range read follows the redirect and returns the bytes', async () => {
    const body = Buffer.from('parquet bytes');
    const storage = new WebHdfsStorage({ namenode: await serve(body), authority: 'hdfs://test' });
    expect(Buffer.from(await storage.read('/x', 0, body.length)).toString()).toBe('parquet bytes');
  });

  it('a node that stalls (no answer, or a body that stops) fails the call, naming it, instead of hanging the run', async () => {
    server = createServer((socket) => {
      socket.once('data', (request) => {
        // Headers and half the body of a read, then silence; any other call: no answer at all.
        if (request.toString().includes('op=OPEN')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n' + 'x'.repeat(50));
      });
    });
    const namenode = await new Promise<string>((resolve) =>
      server!.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server!.address() as { port: number }).port}`)),
    );
    const storage = new WebHdfsStorage({ namenode, authority: 'hdfs://test', timeoutMs: 200 });
    const started = performance.now();
    await expect(storage.stat('/x')).rejects.toThrow(/hdfs:\/\/test\/x: WebHDFS at .* does not answer \(no data for 0.2 s\)/);
    await expect(storage.read('/x', 0, 100)).rejects.toThrow(/no data for 0.2 s|aborted/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
