/**
 * Text with the user and password of every URL in it (`https://user:pass@host`) replaced by `***`, so
 * that a setting like --registry can be logged. Greedy up to the authority's last `@`: a password
 * written with an unescaped `@` is masked whole.
 */
export function redactCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/gi, '$1***@');
}
