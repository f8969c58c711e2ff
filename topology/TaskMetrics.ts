/** Counters a task keeps; the service exports them, backfill prints them at the end. */
export class TaskMetrics {
  recordsIn = 0;
  recordsOut = 0;
  commits = 0;
  commitMs = 0;
  readonly deadLetters = new Map<string, number>();

  deadLetter(reason: string): void {
    // Count by reason class ("non_finite:close" → "non_finite") so the label set stays small.
    const cls = reason.split(':')[0];
    this.deadLetters.set(cls, (this.deadLetters.get(cls) ?? 0) + 1);
  }

  get deadLetterTotal(): number {
    let total = 0;
    for (const n of this.deadLetters.values()) total += n;
    return total;
  }
}
