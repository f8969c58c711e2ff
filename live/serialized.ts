/** Runs `work` after everything queued before it has settled; a failure fails only its own caller. */
export type Locked = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * One queue of asynchronous work, run a piece at a time: a consumer service's batches, commits,
 * rebalances and stop each see what the one before left, never a half-done state.
 */
export function serialized(): Locked {
  let tail: Promise<unknown> = Promise.resolve();
  return (work) => {
    const next = tail.then(work);
    tail = next.catch(() => undefined);
    return next;
  };
}
