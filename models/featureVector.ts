/**
 * A model's features, read from a feature record: a column (`rsi_14`) or a ratio of two columns
 * (`macd_hist/close`), which keeps price-level indicators comparable across prices and symbols.
 */
type Term = { name: string; column: string; over: string | undefined };

/** The feature columns the names refer to; `fail` is called with the reason for a malformed name. */
export function featureColumnsOf(
  names: readonly string[],
  fail: (why: string) => never = (why) => {
    throw new Error(why);
  },
): string[] {
  return [...new Set(terms(names, fail).flatMap((t) => (t.over === undefined ? [t.column] : [t.column, t.over])))];
}

function terms(names: readonly string[], fail: (why: string) => never): Term[] {
  return names.map((name) => {
    const parts = name.split('/');
    if (parts.length > 2 || parts.some((p) => !p.trim())) fail(`"${name}" is neither a column nor a ratio "a/b" of two columns`);
    return { name, column: parts[0].trim(), over: parts[1]?.trim() };
  });
}

export type Vectorizer = (record: Record<string, unknown>, out: Float32Array | Float64Array, offset: number) => string | undefined;

/**
 * Compile the feature names to a function that writes one record's values at `offset`. A value that
 * is null, missing or not finite takes its `impute` value if the manifest declares one; otherwise the
 * function returns `missing:<feature>` and the record is not scored.
 */
export function vectorizer(names: readonly string[], impute: Record<string, number> = {}): Vectorizer {
  const compiled = terms(names, (why) => {
    throw new Error(why);
  });
  return (record, out, offset) => {
    for (let i = 0; i < compiled.length; i++) {
      const t = compiled[i];
      let v = record[t.column] as number | null | undefined;
      if (typeof v === 'number' && t.over !== undefined) {
        const d = record[t.over] as number | null | undefined;
        v = typeof d === 'number' ? v / d : null;
      }
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        const fill = impute[t.name];
        if (fill === undefined) return `missing:${t.name}`;
        v = fill;
      }
      out[offset + i] = v;
    }
    return undefined;
  };
}
