/**
 * A model as the Score processor needs it: one version, loaded whole and checked; arrays in, probabilities
 * out. models/ provides it (OnnxSignalModel, ModelDirectory) without importing it: the shape is the contract,
 * checked by the compiler where the CLI hands a model to the topology.
 */
export interface SignalModel {
  readonly name: string;
  readonly version: string;
  readonly featureCount: number;
  /** The model's input type: float32 rounds the features, float64 keeps them as computed. */
  readonly inputType: 'float32' | 'float64';
  /** p_up ≥ buy: BUY; otherwise p_down ≥ sell: SELL; otherwise HOLD. */
  readonly thresholds: { buy: number; sell: number };
  /** Write one record's model input (its named columns) at `offset`; returns why it cannot be scored (a missing feature), if so. */
  vectorize(features: Readonly<Record<string, unknown>>, out: Float32Array | Float64Array, offset: number): string | undefined;
  /** One inference call for `rows` rows: the probability of an up and of a down move, per row. */
  predict(input: Float32Array | Float64Array, rows: number): Promise<{ up: ArrayLike<number>; down: ArrayLike<number> }>;
}

/** Where the model in use comes from: `current` may change between batches (hot reload), never within one. */
export interface SignalModelSource {
  readonly interval: string;
  current(): SignalModel;
  /** A record left unscored, with the reason (counted, never silent). */
  onUnscored?(reason: string): void;
}
