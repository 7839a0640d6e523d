import type { BroadcastChannel, MessagePort } from 'node:worker_threads';
import { builtin } from '../util/builtin.js';
import type { Aggregator } from '../metrics/aggregator.js';
import { ThreadMetric } from '../metrics/names.js';
import { THREAD_CHANNEL, type ThreadMessage } from './thread-forwarder.js';
import { mergeWire } from './wire.js';

/**
 * Main-thread side of THREAD_CHANNEL: merges each worker thread's snapshot into the main
 * thread's aggregator as it arrives (counters summed, timers and sets merged, gauges last value
 * wins), and at every interval's end asks the threads for their next one. Unref'd.
 */
export class ThreadReceiver {
  readonly #aggregator: Aggregator;
  readonly #channel: BroadcastChannel;
  /** Event-loop utilisation of each thread that answered this interval, by thread id. */
  readonly #utilization = new Map<number, number>();
  /** Threads heard from and not yet gone: whom a final collection waits for. */
  readonly #live = new Set<number>();
  /** Threads still to answer the final collection, and who to tell when none is left. */
  #awaited: { readonly threads: Set<number>; readonly done: () => void } | undefined;

  constructor(aggregator: Aggregator) {
    this.#aggregator = aggregator;
    this.#channel = new (builtin('node:worker_threads').BroadcastChannel)(THREAD_CHANNEL);
    this.#channel.unref();
    this.#channel.onmessage = (event: unknown) => this.#accept((event as { data?: unknown }).data);
    // Threads started before this receiver said hello to no one: their answer makes them known.
    const rollCall: ThreadMessage = { type: 'collect' };
    this.#channel.postMessage(rollCall);
  }

  /**
   * The pull source: takes what is still queued (a thread that exited just now posted its last
   * figures, and a message event may not have run yet), writes the threads' utilisation, and
   * asks every thread for its next snapshot, which arrives during the next interval.
   */
  pull(aggregator: Aggregator): void {
    // Node accepts a BroadcastChannel here (documented); @types/node 20 only declares MessagePort.
    const port = this.#channel as unknown as MessagePort;
    const { receiveMessageOnPort } = builtin('node:worker_threads');
    for (let queued = receiveMessageOnPort(port); queued; queued = receiveMessageOnPort(port)) {
      this.#accept(queued.message);
    }
    if (this.#utilization.size > 0) {
      let sum = 0;
      let max = 0;
      for (const value of this.#utilization.values()) { sum += value; max = Math.max(max, value); }
      aggregator.gauge(ThreadMetric.eventLoopUsage, sum / this.#utilization.size);
      aggregator.gauge(ThreadMetric.eventLoopUsageMax, max);
      aggregator.gauge(ThreadMetric.active, this.#utilization.size);
      this.#utilization.clear();
    }
    const collect: ThreadMessage = { type: 'collect' };
    this.#channel.postMessage(collect);
  }

  /**
   * The final delivery's step: asks every live thread for what it recorded since the last
   * interval's end and waits until each has answered, at most `maxWait` ms (a thread busy in
   * a long block answers late; its figures then go out with its own exit, if ever).
   */
  async collectNow(maxWait: number): Promise<void> {
    if (this.#live.size === 0) return;
    const threads = new Set(this.#live);
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.#awaited = { threads, done: resolve };
      timer = setTimeout(resolve, maxWait);
      timer.unref();
      const collect: ThreadMessage = { type: 'collect' };
      this.#channel.postMessage(collect);
    });
    clearTimeout(timer);
    this.#awaited = undefined;
  }

  #accept(data: unknown): void {
    const hello = data as Partial<Extract<ThreadMessage, { type: 'hello' }>> | undefined;
    if (hello?.type === 'hello' && typeof hello.threadId === 'number') {
      this.#live.add(hello.threadId);
      return;
    }
    const message = data as Partial<Extract<ThreadMessage, { type: 'snapshot' }>> | undefined;
    if (message?.type !== 'snapshot' || typeof message.threadId !== 'number') return;
    const aggregator = this.#aggregator;
    mergeWire(aggregator, message.snapshot, (name, tags, value) => aggregator.gauge(name, value, tags));
    if (message.final === true) {
      this.#utilization.delete(message.threadId);
      this.#live.delete(message.threadId);
    } else {
      this.#live.add(message.threadId);
      if (typeof message.elu === 'number' && Number.isFinite(message.elu)) this.#utilization.set(message.threadId, message.elu);
    }
    const awaited = this.#awaited;
    if (awaited && awaited.threads.delete(message.threadId) && awaited.threads.size === 0) awaited.done();
  }
}
