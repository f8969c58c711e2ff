/** Turns Kafka message bytes into record values and back, per source and per sink. */
export interface Serde {
  /** Throws when the bytes are not a value of this format; the record then goes to the dead-letter topic. */
  deserialize(data: Buffer | null): unknown | Promise<unknown>;
  serialize(value: unknown): Buffer | Promise<Buffer>;
}

/** UTF-8 JSON, the default on every topic. */
export const jsonSerde: Serde = {
  deserialize(data) {
    if (data === null) throw new Error('empty message (no value)');
    return JSON.parse(data.toString('utf8'));
  },
  serialize(value) {
    return Buffer.from(JSON.stringify(value));
  },
};
