import { debug } from '../util/debug.js';
import { backoffDelay, POLICIES } from '../delivery/backoff.js';
import { EMITTER_DEFAULTS } from './emitter-defaults.js';
import { DeliveryFailed, type HmetricsError } from '../util/errors.js';
import { HttpPoster, type PostResponse } from '../transport/http.js';
import type { TelemetryBuffer } from './buffer.js';
import { toData, type Taken } from './payload.js';
import { TelemetryBadResponse, TelemetryEmissionFailed, TelemetryRefused, TelemetryServerError } from './errors.js';
import { fallbackDelay, parseSteering, retryAfterToDelay, type Steering } from './steering.js';
import { postChannel, scheduleChannel, type ScheduleReason, type TelemetryScheduleMessage } from './channels.js';
import { sleep, withTimeout } from '../util/time.js';

/** Options of `startEmitting()`. */
export interface EmitterOptions {
  /** Milliseconds one request may take. @default 10000 */
  readonly timeout?: number;
  /** Milliseconds the final emission of `stopEmitting()` may take. @default 2000 */
  readonly finalTimeout?: number;
  /** Milliseconds before the first emission (the server's answer sets the cadence after it). @default 0 */
  readonly initialDelay?: number;
}

export { EMITTER_DEFAULTS };

export type { ScheduleReason } from './channels.js';

const STATUS_GONE = 410;
const STATUS_LEGAL = 451;
const STATUS_TOO_MANY = 429;

/**
 * The server-steered emission cycle: `POST {endpoint}/{instanceId}` with what the buffer
 * holds, then wait as the answer says. One emission at a time; every timer and socket unref'd;
 * nothing thrown; a payload that cannot be delivered goes back into the buffer.
 */
export class Emitter {
  readonly #poster: HttpPoster;
  readonly #path: string;
  readonly #instanceId: string;
  readonly #buffer: TelemetryBuffer;
  readonly #report: (error: HmetricsError) => void;
  readonly #options: Required<EmitterOptions>;
  /** Aborts the request in flight. */
  readonly #controller = new AbortController();
  /** Aborts retry waits. */
  readonly #waits = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #current: Promise<void> | undefined;
  #stopping: Promise<HmetricsError | undefined> | undefined;
  /** No more scheduled emissions (server said stop, 410/451, or stopEmitting()). */
  #ended = false;
  /** The server said stop or refused us: not even a final emission. */
  #silenced = false;
  /** abandon() was called: whatever is in flight is dropped, not put back. */
  #abandoned = false;
  /** The last cadence the server asked for; a failed emission keeps it. */
  #cadence: number | undefined;

  constructor(url: URL, instanceId: string, buffer: TelemetryBuffer, report: (error: HmetricsError) => void, options: Required<EmitterOptions>) {
    this.#poster = new HttpPoster(url);
    const base = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
    this.#path = `${base}/${encodeURIComponent(instanceId)}${url.search}`;
    this.#instanceId = instanceId;
    this.#buffer = buffer;
    this.#report = report;
    this.#options = options;
  }

  get label(): string {
    return this.#poster.label;
  }

  start(): void {
    this.#schedule(this.#options.initialDelay, 'first');
  }

  /**
   * Ends the cycle within `finalTimeout`, as the report loop's final delivery does: a retry wait
   * ends at once; a request in flight gets at most half of it to finish (aborting it at once
   * would make a slow but healthy server receive its payload twice), then one final emission of
   * what the buffer holds gets the rest.
   */
  stop(): Promise<HmetricsError | undefined> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /** Abandons everything at once, without a final emission (tests and process teardown). */
  abandon(): void {
    this.#ended = true;
    this.#abandoned = true;
    clearTimeout(this.#timer);
    this.#waits.abort();
    this.#controller.abort();
    this.#poster.close();
  }

  async #stop(): Promise<HmetricsError | undefined> {
    this.#ended = true;
    clearTimeout(this.#timer);
    this.#waits.abort();
    // The one timer left ref'd: whoever awaits stopEmitting() asked for this delivery, and with
    // every socket unref'd the process would otherwise exit mid-request. Bounded by finalTimeout.
    const total = this.#options.finalTimeout;
    const started = Date.now();
    const hold = setTimeout(() => undefined, total + 200);
    try {
      if (this.#current !== undefined) {
        await withTimeout(this.#current, Math.ceil(total / 2)).catch(() => undefined);
        this.#controller.abort();
        await this.#current;
      }
      let error: HmetricsError | undefined;
      const rest = Math.max(1, total - (Date.now() - started));
      if (!this.#silenced) error = await this.#final(rest); // a server that said stop gets nothing more
      return error;
    } finally {
      clearTimeout(hold);
      this.#buffer.retain = false;
      this.#poster.close();
    }
  }

  async #final(timeout: number): Promise<HmetricsError | undefined> {
    const taken = this.#buffer.take();
    try {
      const response = await this.#post(taken, timeout, new AbortController().signal);
      if (response.status === STATUS_GONE || response.status === STATUS_LEGAL) return this.#refused(response);
      if (response.status >= 200 && response.status < 300) return undefined;
      throw new DeliveryFailed(this.label, `HTTP ${response.status}`, response.status);
    } catch (error) {
      this.#buffer.restore(taken);
      const failure = new TelemetryEmissionFailed(1, error);
      this.#report(failure);
      return failure;
    }
  }

  #schedule(delay: number, reason: ScheduleReason): void {
    clearTimeout(this.#timer);
    if (this.#ended) return;
    this.#timer = setTimeout(() => this.#fire(), delay);
    this.#timer.unref();
    debug(`telemetry: next emission in ${Math.round(delay / 1000)} s (${reason})`);
    if (scheduleChannel.hasSubscribers) scheduleChannel.publish({ delay, reason } satisfies TelemetryScheduleMessage);
  }

  #fire(): void {
    this.#timer = undefined;
    if (this.#ended) return;
    // An emission schedules its successor just before it settles: a timer that fires in that
    // gap waits for it rather than being lost (one emission at a time, none skipped).
    if (this.#current !== undefined) {
      void this.#current.then(() => this.#fire());
      return;
    }
    this.#current = this.#emit()
      .catch((error: unknown) => debug(`telemetry: emission failed unexpectedly: ${String(error)}`))
      .finally(() => { this.#current = undefined; });
  }

  async #emit(): Promise<void> {
    const signal = this.#controller.signal;
    const taken = this.#buffer.take();
    let lastError: unknown;
    let attempt = 0;
    while (attempt < EMITTER_DEFAULTS.attempts && !this.#ended) {
      if (attempt > 0) {
        const wait = backoffDelay(POLICIES.telemetry.backoff, attempt); // the one backoff: 8, 27, 64 s
        debug(`telemetry: attempt ${attempt} failed (${describeError(lastError)}); retrying in ${wait / 1000} s`);
        if (scheduleChannel.hasSubscribers) scheduleChannel.publish({ delay: wait, reason: 'retry' } satisfies TelemetryScheduleMessage);
        if (!(await sleep(wait, this.#waits.signal))) break;
      }
      attempt++;
      let response: PostResponse;
      try {
        response = await this.#post(taken, this.#options.timeout, signal);
      } catch (error) {
        lastError = error;
        continue;
      }
      const status = response.status;
      if (status === STATUS_GONE || status === STATUS_LEGAL) {
        this.#report(this.#refused(response));
        return; // the payload goes nowhere: no server will take it
      }
      if (status >= 200 && status < 300) {
        this.#answered(response);
        return;
      }
      if (status === STATUS_TOO_MANY) {
        if (!this.#abandoned) this.#buffer.restore(taken);
        const parsed = parseSteering(response.body);
        const steering = parsed.ok ? parsed.steering : undefined;
        if (steering) this.#applyKeys(steering);
        const delay = retryAfterToDelay(response.headers['retry-after'], Date.now()) ?? steering?.nextUpdate ?? fallbackDelay();
        this.#schedule(delay, 'too-many-requests');
        return;
      }
      lastError = new DeliveryFailed(this.label, `HTTP ${status}`, status);
    }
    if (this.#abandoned) return;
    this.#buffer.restore(taken);
    if (this.#ended) return; // stopEmitting() takes it from here
    this.#report(new TelemetryEmissionFailed(attempt, lastError));
    this.#schedule(this.#cadence ?? fallbackDelay(), 'after-failure');
  }

  #post(taken: readonly Taken[], timeout: number, signal: AbortSignal): Promise<PostResponse> {
    const timestamp = new Date().toISOString();
    if (postChannel.hasSubscribers) postChannel.publish({ timestamp });
    const body = JSON.stringify({
      instance_id: this.#instanceId,
      timestamp,
      data: toData(taken),
    });
    return this.#poster.post(this.#path, body, {
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'hmetrics' },
      timeout,
      signal,
      maxBody: EMITTER_DEFAULTS.maxBody,
    });
  }

  /** A 2xx: the payload is delivered; the answer steers what comes next. */
  #answered(response: PostResponse): void {
    const parsed = parseSteering(response.body);
    if (!parsed.ok) {
      this.#report(new TelemetryBadResponse(parsed.reason));
      this.#schedule(fallbackDelay(), 'fallback');
      return;
    }
    const steering = parsed.steering;
    this.#applyKeys(steering);
    if (steering.error !== undefined) this.#report(new TelemetryServerError(steering.error));
    if (steering.stop) {
      debug('telemetry: the server asked to stop emitting');
      this.#end(true);
      return;
    }
    this.#cadence = steering.nextUpdate;
    if (steering.nextUpdate === undefined) this.#schedule(fallbackDelay(), 'fallback');
    else this.#schedule(steering.nextUpdate, 'next');
  }

  /** `enable_keys` first, then `disable_keys`: a key in both ends up disabled. */
  #applyKeys(steering: Steering): void {
    if (steering.enableKeys.length > 0) this.#buffer.enable(steering.enableKeys);
    if (steering.disableKeys.length > 0) this.#buffer.disable(steering.disableKeys, 'server');
  }

  #refused(response: PostResponse): TelemetryRefused {
    this.#end(true);
    return new TelemetryRefused(response.status, printable(response.body));
  }

  #end(silenced: boolean): void {
    this.#ended = true;
    this.#silenced = silenced;
    clearTimeout(this.#timer);
    this.#buffer.retain = false;
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Server text goes into an error message: one line, no control characters. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}
