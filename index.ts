// Placeholder public entry, so the build and the package's exports are exercised; the api branch replaces it.
export { Topology } from './topology/Topology.ts';
export { TopologyTestDriver } from './topology/TopologyTestDriver.ts';
