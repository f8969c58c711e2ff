import { Counter, Gauge, type Registry } from 'prom-client';

/** What scoring adds to the service's /metrics. */
export class ModelMetrics {
  readonly unscored: Counter<'reason'>;
  readonly inUse: Gauge<'model' | 'version'>;
  readonly reloadFailures: Counter;

  /** A version was loaded and is in use from the next batch. */
  loaded(model: string, version: string): void {
    this.inUse.reset();
    this.inUse.set({ model, version }, 1);
  }

  constructor(registry: Registry) {
    const registers = [registry];
    this.unscored = new Counter({
      name: 'candlestream_records_unscored_total',
      help: 'Candles of the model interval not scored, by reason (e.g. missing:sma_50 during its lookback)',
      labelNames: ['reason'],
      registers,
    });
    this.inUse = new Gauge({
      name: 'candlestream_model_info',
      help: 'The model version scoring now (value 1)',
      labelNames: ['model', 'version'],
      registers,
    });
    this.reloadFailures = new Counter({
      name: 'candlestream_model_reload_failures_total',
      help: 'New model versions refused (see the log for why); the current one stays',
      registers,
    });
  }
}
