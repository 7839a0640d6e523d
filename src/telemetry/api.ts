import { debug } from '../util/debug.js';
import { InvalidEndpoint, InvalidOption, type HmetricsError } from '../util/errors.js';
import { redactEndpoint } from '../util/redact.js';
import { checkDuration } from '../config/check-duration.js';
import { checkInteger, describeValue } from '../util/check.js';
import { BUFFER_DEFAULTS, TelemetryBuffer } from './buffer.js';
import { lazy } from '../lazy.js';
import { shared } from '../util/global-state.js';
import { EMITTER_DEFAULTS } from './emitter-defaults.js';
import type { Emitter, EmitterOptions } from './emitter.js';
import { TelemetryAlreadyEmitting, TelemetryAlreadyInitialized, TelemetryNotInitialized } from './errors.js';
import type { TelemetryValue, UniqueValue } from './values.js';

/** Options of `init()`. */
export interface TelemetryOptions {
  /**
   * Called with every refused call (type clash, invalid value, full buffer) and every emission
   * problem, synchronously, one at a time; whatever it throws is ignored. Everything also goes to
   * the debug log (`HMETRICS_VERBOSE=1`). @default undefined (debug log only)
   */
  readonly onError?: (error: HmetricsError) => void;
  /** Items the buffer holds for emission: scalars, list items, distinct set values, nodes of structures. @default 100000 */
  readonly maxItems?: number;
  /** Longest string accepted as a key, subkey or value, in UTF-16 code units. @default 1024 */
  readonly maxStringLength?: number;
}

// One buffer, one init and one emitter per process, shared by every copy of the package.
interface TelemetryState {
  readonly buffer: TelemetryBuffer;
  instanceId: string | undefined;
  emitter: Emitter | undefined;
}
const state = shared<TelemetryState>('telemetry', () => ({ buffer: new TelemetryBuffer(), instanceId: undefined, emitter: undefined }));
const buffer = state.buffer;

/**
 * Sets the value of `key`, replacing whatever it held. A number is also the gauge `key` in the
 * current report interval. Values are JSON's: finite numbers, strings, booleans, null, and
 * plain arrays/objects of those.
 *
 * @example
 * set('node_version', process.version);
 * set('queue_depth', queue.length); // gauge `queue_depth`
 */
export function set(key: string, value: TelemetryValue): void {
  try {
    buffer.set(key, value);
  } catch (error) {
    buffer.refuseThrown('set', key, error);
  }
}

/** Sets `subkey` in the one-level map at `key`. A number is also the gauge `key.subkey`. */
export function setNested(key: string, subkey: string, value: TelemetryValue): void {
  try {
    buffer.setNested(key, subkey, value);
  } catch (error) {
    buffer.refuseThrown('setNested', key, error);
  }
}

/** Appends to the list at `key`. Numbers also feed the timer `key` (`key.count`, `key.p95` …). */
export function append(key: string, value: TelemetryValue): void {
  try {
    buffer.append(key, value);
  } catch (error) {
    buffer.refuseThrown('append', key, error);
  }
}

/**
 * Counts `value` in the counting set at `key` (emitted as `[{"value": v, "count": n}, …]`).
 * In report intervals each distinct value is a member of the set `key`: the statsd sink sends
 * `key:value|s` (servers merge uniques across processes), Heroku and log get the gauge
 * `key.unique` (distinct values of the interval).
 */
export function appendUnique(key: string, value: UniqueValue): void {
  try {
    buffer.appendUnique(key, value);
  } catch (error) {
    buffer.refuseThrown('appendUnique', key, error);
  }
}

/** Adds the integer `n` to the counter at `key` (which starts from `n`); also the counter `key` of the interval. */
export function add(key: string, n: number): void {
  try {
    buffer.add(key, n);
  } catch (error) {
    buffer.refuseThrown('add', key, error);
  }
}

/**
 * `add(key, 1)`: one Map lookup and no allocation for a key already in use.
 *
 * @example
 * import { increment } from 'hmetrics/onload';
 * increment('signups'); // counter `signups` on the Heroku dashboard feed
 */
export function increment(key: string): void {
  try {
    buffer.increment(key);
  } catch (error) {
    buffer.refuseThrown('increment', key, error);
  }
}

// Each recording function above accepts any value and never throws into the app: what the
// buffer cannot record is refused, counted in `hmetrics.dropped.invalid` and told once per key
// in verbose mode (a try/catch costs nothing measurable on the hot path in current V8).

/** Empties the telemetry buffer. Numbers already recorded still count in the current report interval. */
export function reset(): void {
  buffer.reset();
}

/**
 * Names this process for the telemetry server and starts keeping buffer content for emission.
 * Once per process. Keys in `disabledKeys` (and every `key:…` under them) are never recorded,
 * whatever a server says later.
 *
 * Throws `InvalidOption` for an empty or all-zero id or a bad option, and
 * `TelemetryAlreadyInitialized` on a second call.
 */
export function init(id: string, disabledKeys: readonly string[] = [], options: TelemetryOptions = {}): void {
  if (state.instanceId !== undefined) throw new TelemetryAlreadyInitialized();
  if (typeof id !== 'string' || id.length === 0 || id.length > 128 || /^[0-]+$/.test(id)) {
    throw new InvalidOption(`Expected \`instanceId\` to be a non-empty id (at most 128 characters, not all zeros), got ${JSON.stringify(String(id).slice(0, 40))}`);
  }
  if (!Array.isArray(disabledKeys) || disabledKeys.some((k) => typeof k !== 'string')) {
    throw new InvalidOption(`Expected \`disabledKeys\` to be an array of strings, got ${describeValue(disabledKeys)}`);
  }
  const maxItems = checkInteger('maxItems', options.maxItems ?? BUFFER_DEFAULTS.maxItems);
  const maxStringLength = checkInteger('maxStringLength', options.maxStringLength ?? BUFFER_DEFAULTS.maxStringLength);
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new InvalidOption(`Expected \`onError\` to be a function, got ${describeValue(options.onError)}`);
  }
  state.instanceId = id;
  buffer.configure({ maxItems, maxStringLength });
  buffer.onError = options.onError;
  buffer.disable(disabledKeys, 'user');
  buffer.retain = true;
}

/**
 * Starts the emission cycle: `POST {endpoint}/{instanceId}` now (after `initialDelay`), then
 * as the server's answers say. Once per process, after `init()`. Throws `TelemetryNotInitialized`,
 * `TelemetryAlreadyEmitting`, `InvalidEndpoint` (not an http(s) URL) or `InvalidOption`;
 * everything after that is reported through `onError` and never thrown.
 *
 * @example
 * init(process.env.DYNO ?? crypto.randomUUID());
 * startEmitting('https://telemetry.example.com/v1/update');
 */
export function startEmitting(endpoint: string, options: EmitterOptions = {}): void {
  if (state.instanceId === undefined) throw new TelemetryNotInitialized();
  if (state.emitter !== undefined) throw new TelemetryAlreadyEmitting();
  let url: URL;
  try {
    url = new URL(String(endpoint).trim());
  } catch {
    throw new InvalidEndpoint(`telemetry endpoint ${redactEndpoint(String(endpoint))} is not a URL`, { cause: new Error('unparseable URL') });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidEndpoint(`telemetry endpoint ${redactEndpoint(url)} must be http: or https:`);
  }
  const settings: Required<EmitterOptions> = {
    timeout: checkDuration('timeout', options.timeout ?? EMITTER_DEFAULTS.timeout),
    finalTimeout: checkDuration('finalTimeout', options.finalTimeout ?? EMITTER_DEFAULTS.finalTimeout),
    initialDelay: checkDuration('initialDelay', options.initialDelay ?? EMITTER_DEFAULTS.initialDelay, { min: 0 }),
  };
  // The emitter and its HTTP client load only now: `import 'hmetrics/onload'` re-exports this
  // module, and most processes never emit (each module loaded costs startup time).
  const { Emitter: EmitterClass } = lazy.telemetryEmitter();
  state.emitter = new EmitterClass(url, state.instanceId, buffer, (error) => reportError(error), settings);
  state.emitter.start();
  debug(`telemetry: emitting to ${state.emitter.label} as ${state.instanceId}`);
}

/**
 * Stops the emission cycle after one final emission of what the buffer holds (bounded by
 * `finalTimeout`). Never rejects: resolves to the error of the final emission, or undefined
 * when it was delivered (or there was nothing to stop).
 */
export function stopEmitting(): Promise<HmetricsError | undefined> {
  return state.emitter === undefined ? Promise.resolve(undefined) : state.emitter.stop().catch(() => undefined);
}

function reportError(error: HmetricsError): void {
  debug(error.message);
  try {
    buffer.onError?.(error);
  } catch {
    // The app's handler failing must not break the emission cycle.
  }
}

/**
 * Internal, not exported from src/index.ts: init() and startEmitting() are once per process by
 * design, and each test needs a fresh start. Abandons the emitter without a final emission.
 */
export function resetForTests(): void {
  state.emitter?.abandon();
  state.emitter = undefined;
  state.instanceId = undefined;
  buffer.clearAll();
}
