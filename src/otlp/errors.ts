import { DeliveryFailed } from '../util/errors.js';

/**
 * The collector answered, and what it refused will not be sent again: a 4xx other than 429
 * (the request itself is wrong, so the OTLP spec says drop it), or a success with
 * `partial_success.rejected_data_points`. `settled` tells the report loop not to carry the
 * data over; the error still reaches the error handler.
 */
export class OtlpExportRejected extends DeliveryFailed {
  /** Data points the collector refused (0 when it did not say). */
  readonly rejectedDataPoints: number;
  /** The delivery is over: nothing is kept for the next interval. */
  readonly settled = true;

  constructor(endpoint: string, reason: string, status: number, rejectedDataPoints: number) {
    super(endpoint, reason, status);
    this.rejectedDataPoints = rejectedDataPoints;
  }
}

/** True for an error whose delivery is over (nothing to carry over), from any copy of hmetrics. */
export function isSettledFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { settled?: unknown }).settled === true;
}
