/**
 * An error as one line: its message and its causes' (a library's "Database failed to open" says why
 * only in its cause); a system error names its file first, as `ls` does, not as Node's "ENOENT: …,
 * stat 'out/nope'".
 */
export function explain(error: unknown): string {
  const messages: string[] = [];
  for (let e = error; e instanceof Error && messages.length < 5; e = e.cause) {
    const message = systemMessage(e) ?? e.message;
    if (!messages.some((m) => m.includes(message))) messages.push(message);
  }
  return messages.length ? messages.join(': ') : String(error);
}

/** "out/nope: no such file or directory" for Node's "ENOENT: no such file or directory, stat 'out/nope'". */
function systemMessage(e: NodeJS.ErrnoException): string | undefined {
  const what = e.code && e.syscall ? /^[A-Z]+: (.*?), \w+/.exec(e.message)?.[1] : undefined;
  if (!what) return undefined;
  return e.dest ? `${e.path} → ${e.dest}: ${what}` : e.path ? `${e.path}: ${what}` : `${what} (${e.syscall})`;
}
