import { debug } from '../debug.js';
import { REPORT_DEFAULTS } from '../report-defaults.js';
import { processAggregator, type Aggregator } from '../metrics/aggregator.js';
import { createRuntimeSampler } from '../runtime/sampler.js';
import type { RuntimeCollector } from '../runtime/collector.js';
import { CLUSTER_TAG, type ClusterMessage } from './cluster-receiver.js';
import { attachReceivers } from './receivers.js';
import { encodeSnapshot } from './wire.js';
// Container hook (issue 21): the primary reports the shared cgroup once.
import { leaveCgroupToPrimary } from '../container/cluster.js';

/** Options of `forwardToPrimary`. */
export interface ForwardOptions {
  /** Milliseconds between snapshots sent to the primary. @default 20000 */
  readonly interval: number;
  /** The aggregator to drain. @default processAggregator */
  readonly aggregator?: Aggregator;
  /** Milliseconds the last snapshot may take to reach the primary on stop. @default 2000 */
  readonly flushTimeout?: number;
}

/** The forwarder, shaped like onload's supervisor so the same stop paths apply. */
export interface Forwarder {
  stop(): Promise<void>;
  readonly done: Promise<void>;
}

/**
 * A cluster worker whose primary reports: samples its runtime and drains its aggregator every
 * `interval`, and sends the snapshot to the primary over IPC (`process.send`, a tagged message).
 * It never listens for messages, so it never holds the IPC channel open; its timer is unref'd.
 * A natural exit sends the last partial interval first; so does `stop()`.
 */
export function forwardToPrimary(options: ForwardOptions): Forwarder {
  const aggregator = options.aggregator ?? processAggregator;
  const flushTimeout = options.flushTimeout ?? REPORT_DEFAULTS.flushTimeout;
  attachReceivers(aggregator, options.interval); // this worker's own worker threads
  let sampler: RuntimeCollector | undefined;
  leaveCgroupToPrimary(); // container hook (issue 21)
  try {
    sampler = createRuntimeSampler();
    sampler.enable();
  } catch (error) {
    debug(`runtime sampler not started: ${(error as Error).message}`);
  }
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let stopped = false;

  const send = (): Promise<void> => new Promise((resolve) => {
    try {
      sampler?.collect(aggregator);
      const snapshot = aggregator.swap();
      if (!process.connected || typeof process.send !== 'function') { resolve(); return; }
      const message: ClusterMessage = { tag: CLUSTER_TAG, pid: process.pid, snapshot: encodeSnapshot(snapshot) };
      process.send(message, undefined, {}, (error) => {
        if (error) debug(`snapshot not sent to the cluster primary: ${error.message}`);
        resolve();
      });
    } catch (error) {
      debug(`snapshot not sent to the cluster primary: ${(error as Error).message}`);
      resolve();
    }
  });

  // Read in a setImmediate after the tick, as the report loop does: probe timers due in the
  // same timers phase record first, so a long block lands in this interval.
  const timer = setInterval(() => setImmediate(() => { void send(); }), options.interval);
  timer.unref();
  const onBeforeExit = (): void => {
    process.removeListener('beforeExit', onBeforeExit);
    void stop();
  };
  process.on('beforeExit', onBeforeExit);

  const stop = async (): Promise<void> => {
    if (stopped) return done;
    stopped = true;
    clearInterval(timer);
    process.removeListener('beforeExit', onBeforeExit);
    // The send itself holds the process (IPC write) while it is pending; bounded all the same.
    await Promise.race([send(), new Promise<void>((resolve) => setTimeout(resolve, flushTimeout).unref())]);
    sampler?.disable();
    finish();
    return done;
  };
  return { done, stop };
}
