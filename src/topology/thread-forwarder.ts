import { builtin } from '../util/builtin.js';
import { isMainThread } from './threads.js';
import { shared } from '../util/global-state.js';
import { processAggregator, type Aggregator } from '../metrics/aggregator.js';
import { encodeSnapshot, isEmptySnapshot, type WireSnapshot } from './wire.js';
// Container figures (docs/container.md): the thread's heap against its resourceLimits, sent with its figures.
import { recordThreadHeap } from '../container/thread-heap.js';

/**
 * The process-wide channel between worker threads and the main thread's report. Versioned:
 * two copies of hmetrics with different wire formats never read each other's messages.
 */
export const THREAD_CHANNEL = 'hmetrics:threads:v1';

/** What travels on THREAD_CHANNEL. */
export type ThreadMessage =
  | { readonly type: 'collect' }
  /** A thread's first word, so the main thread's final collection knows to wait for it. */
  | { readonly type: 'hello'; readonly threadId: number }
  | {
    readonly type: 'snapshot';
    readonly threadId: number;
    /** The thread is exiting: its last figures, and forget its gauges. */
    readonly final: boolean;
    /** The thread's event-loop utilisation since its previous snapshot, fraction 0–1. */
    readonly elu?: number;
    readonly snapshot: WireSnapshot;
  };

/**
 * Worker-thread side: whenever the main thread's report ends an interval it asks every thread
 * to `collect`; this thread then drains its aggregator (its buffer calls, statsd and HTTP
 * monitor figures) and posts the snapshot. A thread that exits posts what is left. Draining
 * (`swap`) is what guarantees nothing is counted twice: each figure leaves the thread once.
 * The channel is unref'd, so it never holds the thread open. Called once per thread, through
 * `forwardThreadFigures()`.
 */
export function forwardToMainThread(aggregator: Aggregator): void {
  try {
    // Read at first use: the package index imports this module in every process (threads.ts).
    const { BroadcastChannel, threadId } = builtin('node:worker_threads');
    const { performance } = process.getBuiltinModule('node:perf_hooks');
    const channel = new BroadcastChannel(THREAD_CHANNEL);
    channel.unref();
    let previous = performance.eventLoopUtilization();
    const send = (final: boolean): void => {
      try {
        if (!final) recordThreadHeap(aggregator, threadId);
        const snapshot = aggregator.swap();
        const current = performance.eventLoopUtilization();
        const elu = performance.eventLoopUtilization(current, previous).utilization;
        previous = current;
        if (final && isEmptySnapshot(snapshot)) return;
        const message: ThreadMessage = {
          type: 'snapshot', threadId, final, snapshot: encodeSnapshot(snapshot),
          ...(!final && Number.isFinite(elu) ? { elu } : {}),
        };
        channel.postMessage(message);
      } catch {
        // A thread's figures are never worth an exception in the app's thread.
      }
    };
    channel.onmessage = (event: unknown) => {
      if ((event as { data?: { type?: unknown } }).data?.type === 'collect') send(false);
    };
    process.on('exit', () => send(true));
    const hello: ThreadMessage = { type: 'hello', threadId };
    channel.postMessage(hello);
  } catch {
    // No BroadcastChannel (should not happen on Node >= 20.19): the thread keeps its figures.
  }
}

/**
 * In a worker thread, forwards the process aggregator to the main thread's report, once for
 * every copy of the package; in the main thread, nothing. The entry points (the package index,
 * onload's thread role) call it: the metrics layer below never reaches up for it.
 */
export function forwardThreadFigures(): void {
  if (isMainThread()) return;
  const state = shared('topology.thread-forwarding', () => ({ installed: false }));
  if (state.installed) return;
  state.installed = true;
  forwardToMainThread(processAggregator);
}
