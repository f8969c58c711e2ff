import { Counter, Gauge, type Registry } from 'prom-client';

/** What scoring adds to the service's /metrics. */
export class ModelMetrics {
  readonly unscored: Counter<'reason'>;
  readonly loaded: Gauge<'model' | 'version'>;
  readonly reloadFailures: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.unscored = new Counter({ name: 'candlestream_records_unscored_total', help: 'Candles of the model interval not scored, by reason (e.g. missing:sma_50 during its lookback)', labelNames: ['reason'], registers });
    this.loaded = new Gauge({ name: 'candlestream_model_loaded_timestamp_seconds', help: 'When each model version was loaded; the latest is in use', labelNames: ['model', 'version'], registers });
    this.reloadFailures = new Counter({ name: 'candlestream_model_reload_failures_total', help: 'New model versions refused (see the log for why); the current one stays', registers });
  }
}
