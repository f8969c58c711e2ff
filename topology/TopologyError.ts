/** A topology that cannot run: raised when it is built, before any data flows. */
export class TopologyError extends Error {
  override name = 'TopologyError';
}
