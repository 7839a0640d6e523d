import { CarryOver, type CarryOverLimits } from '../../src/metrics/carry-over.js';
import type { Snapshot } from '../../src/metrics/snapshot.js';

/** What an endpoint would send after failing with `older`: both folded through one carry store. */
export function carryOver(older: Snapshot, newer: Snapshot, limits: CarryOverLimits): Snapshot {
  const store = new CarryOver(limits);
  store.add(older);
  store.add(newer);
  return store.take();
}
