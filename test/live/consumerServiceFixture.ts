/**
 * A ConsumerService around a fake consumer, for ConsumerService.test.ts: `joining` never finishes
 * starting (as a group join that takes its time), `running` starts, then `fail` fails it, `drain-fails`
 * has a stop that fails. Prints what the service did; exits as cli/candlestream.ts does.
 */
import { pino } from 'pino';
import { ConsumerService } from '../../live/ConsumerService.ts';

const mode = process.argv[2];
const log = pino({ base: null });
// What a consumer's sockets do: keep the process alive until the service exits it.
setInterval(() => undefined, 60_000);
let disconnect: ((e: Error) => void) | undefined;
const service: ConsumerService = new ConsumerService({
  log,
  start: async () => {
    log.info('joining');
    if (mode === 'joining') await new Promise((_, reject) => (disconnect = reject)); // until the stop disconnects it
    log.info('started');
    if (mode === 'fail') setTimeout(() => service.fail('the consumer stopped for good', new Error('boom')), 50);
  },
  drain: async (failed) => {
    await service.locked(async () => log.info({ failed }, 'drained'));
    disconnect?.(new Error('disconnected under start'));
    if (mode === 'drain-fails') throw new Error('roll failed at the stop');
  },
});
try {
  await service.run();
  process.exitCode = 0;
} catch (e) {
  log.info({ error: (e as Error).message }, 'run threw');
  process.exitCode = 1;
}
