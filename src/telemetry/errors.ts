import { HmetricsError } from '../util/errors.js';

/** Keys and values quoted in messages are cut short: a message must stay one readable line. */
function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

/**
 * A buffer call met a key holding another kind of value (e.g. `append` to a counter).
 * Nothing was changed. Not fatal.
 */
export class TelemetryTypeClash extends HmetricsError {
  readonly key: string;
  /** What the call needs the key to hold, e.g. `list`. */
  readonly expected: string;
  /** What the key holds, e.g. `counter`. */
  readonly actual: string;

  constructor(operation: string, key: string, expected: string, actual: string) {
    super('ERR_HMETRICS_TELEMETRY_TYPE_CLASH', `Telemetry: ${operation}(${quote(key)}) needs a ${expected}, but the key holds a ${actual}; nothing changed`, false);
    this.key = key;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * A buffer call was given a key or value that cannot be recorded: a non-finite number, a
 * non-integer `add`, something JSON cannot represent (cycles, functions, BigInt …), or a string
 * over `maxStringLength`. Nothing was changed. Not fatal.
 */
export class TelemetryInvalidValue extends HmetricsError {
  readonly key: string;

  constructor(operation: string, key: string, reason: string) {
    super('ERR_HMETRICS_TELEMETRY_INVALID_VALUE', `Telemetry: ${operation}(${quote(key)}) rejected: ${reason}`, false);
    this.key = key;
  }
}

/** The buffer reached `maxItems`: what did not fit was dropped and counted. Reported once per filling. Not fatal. */
export class TelemetryBufferFull extends HmetricsError {
  constructor(maxItems: number) {
    super('ERR_HMETRICS_TELEMETRY_BUFFER_FULL', `Telemetry buffer full (${maxItems} items): new items are dropped and counted in hmetrics.telemetry.dropped until the next emission`, false);
  }
}

/** `init()` was called a second time. Fatal: the first call's settings stay. */
export class TelemetryAlreadyInitialized extends HmetricsError {
  constructor() {
    super('ERR_HMETRICS_TELEMETRY_ALREADY_INITIALIZED', 'Telemetry init() may be called once per process (onload calls it when HMETRICS_TELEMETRY_URL is set)', true);
  }
}

/** `startEmitting()` before `init()`. Fatal until init() is called. */
export class TelemetryNotInitialized extends HmetricsError {
  constructor() {
    super('ERR_HMETRICS_TELEMETRY_NOT_INITIALIZED', 'Telemetry startEmitting() needs init(instanceId) first', true);
  }
}

/** `startEmitting()` was called a second time. Fatal. */
export class TelemetryAlreadyEmitting extends HmetricsError {
  constructor() {
    super('ERR_HMETRICS_TELEMETRY_ALREADY_EMITTING', 'Telemetry startEmitting() may be called once per process', true);
  }
}

/**
 * The telemetry server answered 410 Gone (the endpoint is retired: upgrade) or 451 Unavailable
 * For Legal Reasons. Emission stopped for good and the payload was discarded. Fatal.
 */
export class TelemetryRefused extends HmetricsError {
  /** 410 or 451. */
  readonly status: number;

  constructor(status: number, serverMessage: string) {
    const why = status === 410
      ? 'the endpoint is gone for this client (upgrade required)'
      : 'the endpoint is unavailable to this client for legal reasons (consult the server operator)';
    const detail = serverMessage ? ` — server says: ${quote(serverMessage.slice(0, 200))}` : '';
    super('ERR_HMETRICS_TELEMETRY_REFUSED', `Telemetry server answered HTTP ${status}: ${why}; emission stopped for good${detail}`, true);
    this.status = status;
  }
}

/** The server's answer carried an `error` message. Emission goes on. Not fatal. */
export class TelemetryServerError extends HmetricsError {
  constructor(serverMessage: string) {
    super('ERR_HMETRICS_TELEMETRY_SERVER_ERROR', `Telemetry server reported an error: ${quote(serverMessage.slice(0, 200))}`, false);
  }
}

/** A 2xx answer whose body is not the expected JSON object (or over 64 KB). The payload was delivered; the default cadence applies. Not fatal. */
export class TelemetryBadResponse extends HmetricsError {
  constructor(reason: string) {
    super('ERR_HMETRICS_TELEMETRY_BAD_RESPONSE', `Telemetry server's answer was not usable (${reason}); next emission at the default cadence`, false);
  }
}

/** Every attempt of one emission failed; the payload went back into the buffer for the next one. Not fatal. */
export class TelemetryEmissionFailed extends HmetricsError {
  readonly attempts: number;

  constructor(attempts: number, cause: unknown) {
    const last = cause instanceof Error ? cause.message : String(cause);
    super('ERR_HMETRICS_TELEMETRY_EMISSION_FAILED', `Telemetry emission failed after ${attempts} attempt${attempts === 1 ? '' : 's'} (${last}); the payload is kept for the next emission`, false, { cause });
    this.attempts = attempts;
  }
}
