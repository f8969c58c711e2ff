/** Kafka Streams' names for an application's internal topics: prefixed by its id, so no two applications share one. */
export function changelogTopic(applicationId: string, store: string): string {
  return `${applicationId}-${store}-changelog`;
}

export function repartitionTopic(applicationId: string, source: string): string {
  return `${applicationId}-${source}-repartition`;
}
