import { lazy } from '../lazy.js';
import { builtin } from '../util/builtin.js';
import { debug } from '../util/debug.js';
import { shared } from '../util/global-state.js';
import type { Aggregator } from '../metrics/aggregator.js';
import type { ClusterReceiver } from './cluster-receiver.js';
import { PRIMARY_ENV } from './role.js';
import type { ThreadReceiver } from './thread-receiver.js';
import { builtinLoaded, threadsPossible } from './threads.js';
import { processEnv } from '../config/read.js';


function topologyReceivers(): { attached: boolean; threads?: ThreadReceiver; cluster?: ClusterReceiver; attachCluster?: () => void } {
  return shared('topology.receivers', () => ({ attached: false }));
}

/**
 * Before the final delivery: the worker threads' figures since the last interval's end, waited
 * for at most `maxWait` ms, and in a cluster primary its stopping workers' last snapshots, waited
 * for at most `CLUSTER_WAIT_FACTOR` × `maxWait` (an IPC round trip through a worker's own
 * final collection takes longer than a thread's answer). Nothing to wait for in a process
 * without either.
 */
export async function collectThreadsNow(maxWait: number): Promise<void> {
  const receivers = topologyReceivers();
  receivers.attachCluster?.();
  await Promise.all([
    receivers.threads?.collectNow(maxWait),
    receivers.cluster?.collectNow(CLUSTER_WAIT_FACTOR * maxWait),
  ]);
}

/** See `collectThreadsNow`: with the default flushTimeout, 600 ms of its 2 000. */
const CLUSTER_WAIT_FACTOR = 3;

/**
 * Makes `aggregator` (the one the report loop drains) the destination of this process's worker
 * threads and, in a cluster primary that announced itself, of its workers. Once per process
 * (across package copies) and for the process's life: figures that arrive while a loop
 * restarts wait in the aggregator, within its caps, for the next delivery.
 *
 * `interval`: the report interval, ms; a cluster worker silent for three of them no longer
 * counts in the merged gauges.
 */
export function attachReceivers(aggregator: Aggregator, interval: number): void {
  const receivers = topologyReceivers();
  if (receivers.attached) return;
  receivers.attached = true;
  try {
    // The thread receiver (a BroadcastChannel, which loads node:worker_threads) only once a
    // thread can exist: now if the module is loaded, else when the app creates its first
    // Worker ('worker' is emitted before the thread runs any code, so its first word is heard).
    // Both receivers' code loads with them (src/lazy.ts): a dyno without threads or workers
    // never compiles it.
    const attachThreads = (): void => {
      if (receivers.threads !== undefined) return;
      try {
        receivers.threads = new (lazy.threadReceiver().ThreadReceiver)(aggregator);
      } catch (error) {
        debug(`thread figures will not be merged: ${(error as Error).message}`);
      }
    };
    if (threadsPossible()) attachThreads();
    else process.once('worker', attachThreads);
    const primary = processEnv()[PRIMARY_ENV] === String(process.pid);
    let cluster: ClusterReceiver | undefined;
    const attachCluster = (): void => {
      if (primary && cluster === undefined && appLoadedCluster()) {
        cluster = new (lazy.clusterReceiver().ClusterReceiver)(aggregator, builtin('node:cluster'), 3 * interval);
        receivers.cluster = cluster;
      }
    };
    attachCluster();
    receivers.attachCluster = attachCluster;
    // The app's main module loads after onload, so look again once it has run (its first turns),
    // not only at each interval's end: a worker's last snapshot sent before the receiver listens
    // is lost, and SIGTERM to the whole tree can come before the first interval ends.
    if (primary && cluster === undefined) {
      setImmediate(attachCluster).unref();
      for (const ms of [50, 500]) setTimeout(attachCluster, ms).unref();
    }
    aggregator.addPullSource((target) => {
      receivers.threads?.pull(target);
      attachCluster();
      cluster?.pull(target);
    });
  } catch (error) {
    debug(`worker figures will not be merged: ${(error as Error).message}`);
  }
}

/**
 * Whether the app has loaded `node:cluster`: only then can this process be a primary with
 * workers. Loading it ourselves in every reporting process cost a dozen modules (cluster pulls
 * in child_process, dgram and net) and about 1 ms of CPU at startup. An app imports cluster
 * before it forks, normally at its top, before the loop's first turn; one that loads it later
 * is attached at the next interval's end, before its workers' first snapshot (sent one
 * interval after they start). Where Node has no `moduleLoadList`, cluster loads as before.
 */
function appLoadedCluster(): boolean {
  return builtinLoaded('cluster') !== false;
}
