import type { HeaderlessCsv } from './Exchange.ts';
import { EXCHANGES } from './exchanges.ts';

/** The header-less CSV exports of every registered exchange: a CSV without a header is read as the one its column count matches. */
export const HEADERLESS_CSV: readonly HeaderlessCsv[] = EXCHANGES.flatMap((e) => e.headerlessCsv ?? []);
