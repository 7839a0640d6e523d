/**
 * Every error hmetrics raises. Each has a stable `code`, keeps its `cause`, and answers
 * `fatal()`: true when retrying with the same configuration cannot succeed.
 */
const BRAND = Symbol.for('hmetrics.error');

export class HmetricsError extends Error {
  /** Stable, machine-readable identifier, e.g. `ERR_HMETRICS_ALREADY_STARTED`. */
  readonly code: string;
  readonly #fatal: boolean;

  constructor(code: string, message: string, fatal: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.#fatal = fatal;
    Object.defineProperty(this, BRAND, { value: fatal });
  }

  /** True when a restart with the same configuration cannot succeed. */
  fatal(): boolean {
    return this.#fatal;
  }
}

/** `report()` was called while a report loop was already running. Not fatal: wait and retry. */
export class AlreadyStarted extends HmetricsError {
  constructor() {
    super('ERR_HMETRICS_ALREADY_STARTED', 'A hmetrics report loop is already running in this process', false);
  }
}

/** No endpoint was given (`HEROKU_METRICS_URL` / `HMETRICS_URL` unset or empty). Fatal. */
export class HerokuMetricsURLUnset extends HmetricsError {
  constructor() {
    super('ERR_HMETRICS_URL_UNSET', 'No metrics endpoint: HEROKU_METRICS_URL (or HMETRICS_URL) is unset or empty', true);
  }
}

/** An endpoint that does not parse, or whose scheme no sink speaks. Fatal. */
export class InvalidEndpoint extends HmetricsError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super('ERR_HMETRICS_INVALID_ENDPOINT', `Invalid metrics endpoint: ${reason}`, true, options);
  }
}

/** An option or environment value that cannot be used. Fatal. */
export class InvalidOption extends HmetricsError {
  constructor(message: string) {
    super('ERR_HMETRICS_INVALID_OPTION', message, true);
  }
}

/** A delivery failed (network error, timeout, or a non-2xx answer). Not fatal: the next interval retries. */
export class DeliveryFailed extends HmetricsError {
  /** The HTTP status when the endpoint answered; undefined for network errors and timeouts. */
  readonly status: number | undefined;
  /** The endpoint with every credential removed. */
  readonly endpoint: string;

  constructor(endpoint: string, reason: string, status?: number, options?: { cause?: unknown }) {
    super('ERR_HMETRICS_DELIVERY_FAILED', `Delivery to ${endpoint} failed: ${reason}`, false, options);
    this.endpoint = endpoint;
    this.status = status;
  }
}

/**
 * `report()` was called in a worker thread. Fatal: one loop per process, on the main thread;
 * what a worker thread records reaches the main thread's report by itself (docs/topology.md).
 */
export class ReportInWorkerThread extends HmetricsError {
  constructor() {
    super('ERR_HMETRICS_WORKER_THREAD',
      'report() runs on the main thread only: figures recorded in a worker thread already reach the main thread\'s report', true);
  }
}

/** True for any hmetrics error, even one thrown by a second copy of the package. */
export function isHmetricsError(error: unknown): error is HmetricsError {
  return typeof error === 'object' && error !== null && BRAND in error;
}

/** True when `error` is an hmetrics error that says retrying cannot help. */
export function isFatal(error: unknown): boolean {
  return isHmetricsError(error) && error.fatal();
}
