/**
 * An error as one line: its message and its causes' (a library's "Database failed to open" says why
 * only in its cause), system errors as `ls` says them (see plainSystemText).
 */
export function explain(error: unknown): string {
  const messages: string[] = [];
  for (let e = error; e instanceof Error && messages.length < 5; e = e.cause) {
    const message = plainSystemText(e.message);
    if (!messages.some((m) => m.includes(message))) messages.push(message);
  }
  return messages.length ? messages.join(': ') : String(error);
}

/**
 * Node's "ENOENT: no such file or directory, stat 'out/nope'" as "out/nope: no such file or
 * directory", wherever it sits in a message, and said once where the message already names the file
 * ("--model nope: nope: no such …" → "--model nope: no such …").
 */
export function plainSystemText(message: string): string {
  return message
    .replace(/\bE[A-Z]+: ([^,]+), \w+ '([^']*)'(?: -> '[^']*')?/g, '$2: $1')
    .replace(/\bE[A-Z]+: ([^,]+), (\w+)(?![\w '])/g, '$1 ($2)')
    .replace(/(\S+): \1: /g, '$1: ');
}
