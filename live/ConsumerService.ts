import type { Logger } from 'pino';
import { serialized } from './serialized.ts';

export interface ConsumerServiceOptions {
  log: Logger;
  /** Connect, join the group, start consuming. A stop may begin while it runs: it should then not go on. */
  start: () => Promise<void>;
  /**
   * Stop consuming, finish what is held (unless `failed`: then what was not committed is consumed
   * again at the next start), disconnect. A rejection is a failed stop: exit 1.
   */
  drain: (failed: boolean) => Promise<void>;
  /** Longest a stop may take before the process exits with 1 without a clean stop (default: no limit). */
  stopTimeoutMs?: number;
}

/**
 * The shell of a long-running consumer service (`run`, `archive`): one queue of serialised work, SIGTERM
 * and SIGINT handled from before the group is joined, a failure (a crash kafkajs does not retry, a
 * commit that cannot be made) stopping it with exit code 1, a signal stopping it cleanly (drained,
 * exit 0). Which work the service does is its caller's.
 */
export class ConsumerService {
  /** Batches, rolls, commits, rebalances and the stop, one at a time. */
  readonly locked = serialized();
  readonly #o: ConsumerServiceOptions;
  /** Why the service failed, if it did: it then exits 1. */
  #failure: string | undefined;
  #stopping: Promise<void> | undefined;
  #stopped!: () => void;
  readonly #finished = new Promise<void>((resolve) => (this.#stopped = resolve));

  constructor(options: ConsumerServiceOptions) {
    this.#o = options;
  }

  /** A stop has begun. */
  get stopping(): boolean {
    return this.#stopping !== undefined;
  }

  /** Start, then run until a signal or a failure has stopped the service; throws if it could not start, or failed. */
  async run(): Promise<void> {
    // Handlers first: a signal while joining the group (before start resolves) still stops it cleanly.
    process.once('SIGTERM', () => void this.stop('SIGTERM'));
    process.once('SIGINT', () => void this.stop('SIGINT'));
    try {
      await this.#o.start();
    } catch (e) {
      // A stop while starting disconnects the clients under it: that rejection is the stop's, not a failure.
      if (!this.#stopping) {
        await this.#o.drain(true).catch(() => undefined);
        throw e;
      }
    }
    await this.#finished;
    // Stopped. A kafkajs client that reconnected during an outage can leave a timer behind that keeps
    // Node alive: exit regardless, shortly, as a service's supervisor expects.
    setTimeout(() => process.exit(), 1000).unref();
    if (this.#failure !== undefined) throw new Error(`stopped: ${this.#failure} (see the log)`);
  }

  /** Something the service cannot go on from: stop it, exit 1; what was not committed is consumed again at the next start. */
  fail(why: string, error: unknown): void {
    this.#o.log.error({ err: error }, `${why}: exiting; what was not committed is consumed again at the next start`);
    this.#failure ??= why;
    void this.stop(why);
  }

  stop(why: string): Promise<void> {
    if (this.#stopping) return this.#stopping;
    const { log, stopTimeoutMs } = this.#o;
    log.info({ why }, 'stopping');
    const timer =
      stopTimeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            log.error(`did not stop within ${stopTimeoutMs / 1000} s: exiting without a clean stop`);
            process.exit(1);
          }, stopTimeoutMs);
    this.#stopping = this.#o
      .drain(this.#failure !== undefined)
      .catch((e) => {
        log.error({ err: e }, 'stop failed: what was not committed is consumed again at the next start');
        this.#failure ??= `the stop failed: ${(e as Error).message}`;
      })
      .finally(() => {
        clearTimeout(timer);
        if (this.#failure !== undefined) process.exitCode = 1;
        this.#stopped();
      });
    return this.#stopping;
  }
}
