import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The service's Prometheus metrics; names follow Prometheus conventions under `candlestream_`. */
export class StreamsMetrics {
  readonly registry = new Registry();
  readonly recordsIn = new Counter({
    name: 'candlestream_records_in_total',
    help: 'Records consumed, by input topic',
    labelNames: ['topic'],
    registers: [this.registry],
  });
  readonly recordsOut = new Counter({
    name: 'candlestream_records_out_total',
    help: 'Records produced, by output topic (changelogs included)',
    labelNames: ['topic'],
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'candlestream_dead_letters_total',
    help: 'Records sent to the dead-letter topic, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly recordLatency = new Histogram({
    name: 'candlestream_record_latency_seconds',
    help: "From the input record's Kafka timestamp to the end of its processing",
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'candlestream_batch_process_seconds',
    help: 'Time to process one fetched batch',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [this.registry],
  });
  readonly commitSeconds = new Histogram({
    name: 'candlestream_commit_seconds',
    help: 'Time to commit a task (stores, changelogs, outputs, offsets)',
    buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly lag = new Gauge({
    name: 'candlestream_consumer_lag',
    help: 'Records behind the end of each input partition',
    labelNames: ['topic', 'partition'],
    registers: [this.registry],
  });
  readonly restoreRemaining = new Gauge({
    name: 'candlestream_restore_remaining_records',
    help: 'Changelog records left to restore, per changelog partition',
    labelNames: ['topic', 'partition'],
    registers: [this.registry],
  });
  readonly tasks = new Gauge({
    name: 'candlestream_tasks',
    help: 'Tasks (input partitions) this instance runs',
    registers: [this.registry],
  });
  readonly storeEntries = new Gauge({
    name: 'candlestream_store_entries',
    help: 'Entries per state store and partition',
    labelNames: ['store', 'partition'],
    registers: [this.registry],
  });

  constructor() {
    // Unprefixed, as every Node.js dashboard and alert names them (process_cpu_seconds_total, nodejs_heap_size_used_bytes, …).
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * /metrics, /healthz (the process runs) and /readyz (every task restored and processing), on a port
   * bound to `host` (loopback by default: metrics say more than an outsider should read).
   */
  async serve(
    port: number,
    host: string,
    probes: { healthy: () => boolean; ready: () => boolean; beforeScrape?: () => void },
  ): Promise<Server> {
    const server = createServer(async (req, res) => {
      if (req.url === '/metrics') {
        probes.beforeScrape?.();
        res.setHeader('content-type', this.registry.contentType);
        res.end(await this.registry.metrics());
      } else if (req.url === '/healthz' || req.url === '/readyz') {
        const ok = req.url === '/healthz' ? probes.healthy() : probes.ready();
        res.statusCode = ok ? 200 : 503;
        res.end(ok ? 'ok\n' : 'not ready\n');
      } else {
        res.statusCode = 404;
        res.end('not found: try /metrics, /healthz or /readyz\n');
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return server;
  }
}
