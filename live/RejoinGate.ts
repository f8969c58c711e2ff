import { PartitionAssigners, type PartitionAssigner } from 'kafkajs';

/**
 * An onPartitionsRevoked for kafkajs. kafkajs learns of a rebalance from a heartbeat, emits
 * REBALANCING and rejoins at once: what the application does after that event may still be writing
 * (changelog records, offset commits) when its partitions are already with their new owner, restoring.
 * The Java consumer runs onPartitionsRevoked before it sends its JoinGroup, and the group's new
 * assignment waits for every member's JoinGroup (up to the rebalance timeout): that order is what makes
 * Kafka Streams' commit on revocation land before anyone else takes the partition.
 *
 * kafkajs' JoinGroup starts with a group-coordinator look-up on the consumer's own cluster, the cluster
 * its partition assigners are given. The assigner here (kafkajs' round robin otherwise) wraps that look-up
 * so that the next JoinGroup after `holdUntil` waits for the revocation to finish. (kafkajs 2.2.4,
 * consumerGroup.js [PRIVATE.JOIN]; test/live/rebalance.test.ts fails if it stops holding.)
 */
export class RejoinGate {
  #revoking: Promise<unknown> | undefined;

  readonly assigner: PartitionAssigner = (config) => {
    const { cluster } = config;
    const findGroupCoordinator = cluster.findGroupCoordinator.bind(cluster);
    cluster.findGroupCoordinator = async (group) => {
      const revoking = this.#revoking;
      this.#revoking = undefined;
      await revoking;
      return findGroupCoordinator(group);
    };
    return PartitionAssigners.roundRobin(config);
  };

  /** Hold the consumer's next JoinGroup until `revocation` has settled. Call it from REBALANCING: kafkajs rejoins right after. */
  holdUntil(revocation: Promise<unknown>): void {
    this.#revoking = revocation.catch(() => undefined);
  }
}
