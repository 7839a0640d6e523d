import { REPORT_DEFAULTS } from '../loop/report-defaults.js';
import { processAggregator, type Aggregator } from '../metrics/aggregator.js';
import { CarryOver } from '../metrics/carry-over.js';
import { Outlet, ReportLoop } from '../loop/report-loop.js';
import { createRuntimeSampler } from '../runtime/sampler.js';
import { IpcSink } from './ipc-sink.js';
// Container figures (docs/container.md): the primary reports the shared cgroup once.
import { leaveCgroupToPrimary } from '../container/cluster.js';
import { attachReceivers, collectThreadsNow } from './receivers.js';

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
 * A cluster worker whose primary reports: a report loop (report-loop.ts) over one IPC outlet.
 * Every `interval` it samples its runtime, drains its aggregator and sends the snapshot to the
 * primary; like every report loop it carries what a send could not deliver, bounds each send,
 * and on stop sends its last partial interval within `flushTimeout`, marked final so the
 * primary's own final delivery waits for it (SIGTERM to the primary and every worker at once,
 * as Heroku does, loses nothing). It never listens for messages, so it never holds the IPC
 * channel open; its timers are unref'd. A natural exit (beforeExit) stops it too.
 */
export function forwardToPrimary(options: ForwardOptions): Forwarder {
  const aggregator = options.aggregator ?? processAggregator;
  const flushTimeout = options.flushTimeout ?? REPORT_DEFAULTS.flushTimeout;
  attachReceivers(aggregator, options.interval); // this worker's own worker threads
  leaveCgroupToPrimary();
  const sink = new IpcSink();
  const outlet = new Outlet(sink, 'ipc:primary', new CarryOver(aggregator.limits));
  const controller = new AbortController();
  const loop = new ReportLoop([outlet], undefined, {
    interval: options.interval,
    timeout: Math.min(REPORT_DEFAULTS.timeout, options.interval),
    flushTimeout,
    aggregator,
    now: Date.now,
    collectThreads: collectThreadsNow,
  }, createRuntimeSampler());
  // The loop never rejects without an error handler; a fault is the worker's figures, never the app's.
  const done = loop.run(controller.signal).catch(() => undefined);
  const onBeforeExit = (): void => {
    process.removeListener('beforeExit', onBeforeExit);
    void stop();
  };
  process.on('beforeExit', onBeforeExit);
  const stop = (): Promise<void> => {
    process.removeListener('beforeExit', onBeforeExit);
    sink.final = true;
    controller.abort();
    return done;
  };
  return { done, stop };
}
