/**
 * Preloaded with `node --import` into a CLI process under test: counts every file-system mutation
 * (write, rename, unlink, mkdir, fsync, truncate, open for writing) of a path below
 * CANDLESTREAM_FAULTS_UNDER and, at the CANDLESTREAM_FAULT_AT-th one, either kills the process
 * (CANDLESTREAM_FAULT=kill, SIGKILL before the mutation happens) or makes it and every later write
 * fail with ENOSPC (CANDLESTREAM_FAULT=enospc: a full disk; removing and renaming still work).
 * CANDLESTREAM_FAULTS_LOG receives one line per mutation, `N op path`, as it happens.
 * Mutations inside native code (LevelDB) are not seen: the stores' own log makes their batches atomic.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { resolve } from 'node:path';

const under = process.env.CANDLESTREAM_FAULTS_UNDER;
const at = Number(process.env.CANDLESTREAM_FAULT_AT ?? 0);
const mode = process.env.CANDLESTREAM_FAULT ?? 'kill';
const logPath = process.env.CANDLESTREAM_FAULTS_LOG;
if (!under) throw new Error('injectFaults: CANDLESTREAM_FAULTS_UNDER is not set');
if (mode !== 'kill' && mode !== 'enospc') throw new Error(`injectFaults: CANDLESTREAM_FAULT must be kill or enospc, not ${mode}`);
// Unseen by the program under test: commands that take settings from CANDLESTREAM_* variables (run, archive) refuse unknown ones.
for (const name of ['CANDLESTREAM_FAULTS_UNDER', 'CANDLESTREAM_FAULT_AT', 'CANDLESTREAM_FAULT', 'CANDLESTREAM_FAULTS_LOG'])
  delete process.env[name];

const original = { writeSync: fs.writeSync, openSync: fs.openSync, closeSync: fs.closeSync };
const log = logPath === undefined ? undefined : original.openSync(logPath, 'a');
/** Mutations that free space or only move names: they still work on a full disk. */
const SHRINKING = new Set(['rename', 'unlink', 'rm', 'rmdir', 'truncate', 'ftruncate']);
let count = 0;
const fdPaths = new Map<number, string>();
const handlePaths = new WeakMap<object, string>();

/** Called before each mutation: an Error to fail it with, or undefined to let it happen. */
function mutation(op: string, path: string | undefined): NodeJS.ErrnoException | undefined {
  if (path === undefined || !path.startsWith(under!)) return undefined;
  if (op === 'mkdir' && fs.existsSync(path)) return undefined; // changes nothing
  count++;
  if (log !== undefined) original.writeSync(log, `${count} ${op} ${path}\n`);
  if (at === 0 || count < at) return undefined;
  if (mode === 'kill') {
    process.kill(process.pid, 'SIGKILL');
  }
  if (SHRINKING.has(op)) return undefined;
  return Object.assign(new Error(`ENOSPC: no space left on device, ${op} '${path}'`), { code: 'ENOSPC', errno: -28, syscall: op, path });
}

const pathOf = (p: unknown) =>
  typeof p === 'string' ? resolve(p) : p instanceof URL ? resolve(p.pathname) : Buffer.isBuffer(p) ? resolve(p.toString()) : undefined;
const writes = (flags: unknown) =>
  flags !== undefined && flags !== 'r' && flags !== 'rs' && flags !== 'sr' && !(typeof flags === 'number' && (flags & 3) === 0);

type Fn = (...args: any[]) => any;
/** Wraps `target[name]`; `where` says which path an invocation mutates (undefined: not a mutation). */
function wrap(
  target: any,
  name: string,
  kind: 'promise' | 'callback' | 'sync',
  where: (args: any[], self: any) => string | undefined,
  op = name,
) {
  const fn: Fn = target[name];
  if (typeof fn !== 'function') return;
  target[name] = function (this: unknown, ...args: any[]) {
    const error = mutation(op, where(args, this));
    if (!error) return fn.apply(this, args);
    if (kind === 'promise') return Promise.reject(error);
    if (kind === 'sync') throw error;
    const callback = args[args.length - 1];
    if (typeof callback === 'function') process.nextTick(callback, error);
  };
}

const first = (args: any[]) => pathOf(args[0]);
const second = (args: any[]) => pathOf(args[1]);
const byFd = (args: any[]) => fdPaths.get(args[0]);
const byHandle = (_: any[], self: any) => handlePaths.get(self);

// Promise API, used by most of the code.
for (const name of ['writeFile', 'appendFile', 'unlink', 'rm', 'rmdir', 'mkdir', 'truncate']) wrap(fsp, name, 'promise', first);
wrap(fsp, 'rename', 'promise', second);
wrap(fsp, 'copyFile', 'promise', second);
const openPromise: Fn = fsp.open;
(fsp as any).open = async function (path: unknown, flags?: unknown, m?: unknown) {
  const target = pathOf(path);
  if (writes(flags)) {
    const error = mutation('open', target);
    if (error) throw error;
  }
  const handle = await openPromise(path, flags, m);
  if (target !== undefined) handlePaths.set(handle, target);
  return handle;
};
const probe = await openPromise('/dev/null', 'r');
const handleProto = Object.getPrototypeOf(probe);
await probe.close();
for (const name of ['write', 'writev', 'writeFile', 'appendFile', 'truncate']) wrap(handleProto, name, 'promise', byHandle);
wrap(handleProto, 'sync', 'promise', byHandle, 'fsync');
wrap(handleProto, 'datasync', 'promise', byHandle, 'fsync');

// Callback and synchronous APIs, used by streams and a few libraries.
for (const [name, kind] of [
  ['writeFile', 'callback'],
  ['appendFile', 'callback'],
  ['unlink', 'callback'],
  ['rm', 'callback'],
  ['rmdir', 'callback'],
  ['mkdir', 'callback'],
  ['truncate', 'callback'],
  ['writeFileSync', 'sync'],
  ['appendFileSync', 'sync'],
  ['unlinkSync', 'sync'],
  ['rmSync', 'sync'],
  ['rmdirSync', 'sync'],
  ['mkdirSync', 'sync'],
  ['truncateSync', 'sync'],
] as const) {
  wrap(fs, name, kind, first, name.replace(/Sync$/, ''));
}
wrap(fs, 'rename', 'callback', second);
wrap(fs, 'renameSync', 'sync', second, 'rename');
for (const [name, kind] of [
  ['write', 'callback'],
  ['writev', 'callback'],
  ['fsync', 'callback'],
  ['fdatasync', 'callback'],
  ['ftruncate', 'callback'],
  ['writeSync', 'sync'],
  ['writevSync', 'sync'],
  ['fsyncSync', 'sync'],
  ['fdatasyncSync', 'sync'],
  ['ftruncateSync', 'sync'],
] as const) {
  wrap(fs, name, kind, byFd, name.replace(/Sync$/, '').replace('fdatasync', 'fsync'));
}
const openCallback: Fn = fs.open;
(fs as any).open = function (path: unknown, ...rest: any[]) {
  const callback = rest[rest.length - 1];
  const flags = rest.length > 1 ? rest[0] : 'r';
  const target = pathOf(path);
  const error = writes(flags) ? mutation('open', target) : undefined;
  if (error) return process.nextTick(callback, error);
  openCallback(path, ...rest.slice(0, -1), (e: Error | null, fd: number) => {
    if (!e && target !== undefined) fdPaths.set(fd, target);
    callback(e, fd);
  });
};
(fs as any).openSync = function (path: unknown, flags?: unknown, m?: unknown) {
  const target = pathOf(path);
  if (writes(flags ?? 'r')) {
    const error = mutation('open', target);
    if (error) throw error;
  }
  const fd = original.openSync(path as fs.PathLike, flags as fs.OpenMode, m as fs.Mode);
  if (target !== undefined) fdPaths.set(fd, target);
  return fd;
};
syncBuiltinESMExports();
