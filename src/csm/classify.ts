/**
 * How an AWS SDK v3 error maps onto CSM's exception fields, and whether the SDK's standard
 * retry strategy would have retried it (needed for `MaxRetriesExceeded`). No AWS package is
 * imported: the lists below mirror the SDK's own classification (smithy's retry module).
 */

/** The parts of an SDK error hmetrics reads. */
export interface SdkErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly cause?: unknown;
  readonly $fault?: unknown;
  readonly $retryable?: { readonly throttling?: boolean } | undefined;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly clockSkewCorrected?: boolean };
  readonly $response?: HttpResponseLike;
}

/** The parts of a smithy `HttpResponse` hmetrics reads. */
export interface HttpResponseLike {
  readonly statusCode?: number;
  readonly headers?: Record<string, string | undefined>;
}

/** A CSM exception: AWS (the service answered with an error) or SDK (no usable answer). */
export interface CsmException {
  readonly kind: 'aws' | 'sdk';
  readonly name: string;
  readonly message: string;
}

/** The HTTP status of the response an error came with, if any. */
export function errorStatus(error: SdkErrorLike): number | undefined {
  const status = error.$response?.statusCode ?? error.$metadata?.httpStatusCode;
  return typeof status === 'number' && status > 0 ? status : undefined;
}

/**
 * Service errors (an error status came back: the AWS SDKs test `> 299`) are `AwsException`
 * named by the error code; everything else (network, timeout, credentials, a body that did
 * not parse) is `SdkException`, named by the Node error code when there is one.
 */
export function classifyError(error: unknown): CsmException {
  if (typeof error !== 'object' || error === null) {
    return { kind: 'sdk', name: 'Error', message: String(error) };
  }
  const e = error as SdkErrorLike;
  const message = typeof e.message === 'string' ? e.message : '';
  const name = typeof e.name === 'string' && e.name ? e.name : 'Error';
  const status = errorStatus(e);
  if (status !== undefined && status > 299) return { kind: 'aws', name, message };
  const code = typeof e.code === 'string' && e.code ? e.code : undefined;
  return { kind: 'sdk', name: name === 'Error' && code ? code : name, message };
}

const THROTTLING = new Set([
  'BandwidthLimitExceeded', 'EC2ThrottledException', 'LimitExceededException', 'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'RequestThrottled', 'RequestThrottledException',
  'SlowDown', 'ThrottledException', 'Throttling', 'ThrottlingException', 'TooManyRequestsException',
  'TransactionInProgressException',
]);
const TRANSIENT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** True when the SDK's standard strategy retries this error (throttling or transient). */
export function isRetryableError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 10) return false;
  const e = error as SdkErrorLike;
  if (e.name === 'AbortError') return false;
  const status = e.$metadata?.httpStatusCode;
  if (status === 429 || (typeof e.name === 'string' && THROTTLING.has(e.name)) || e.$retryable !== undefined) return true;
  if (e.$metadata?.clockSkewCorrected === true) return true;
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (e.name === 'InvalidSignatureException' && typeof e.message === 'string' && e.message.includes('Signature expired')) return true;
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  if (typeof status === 'number' && TRANSIENT_STATUS.has(status)) return true;
  return e.cause !== undefined && isRetryableError(e.cause, depth + 1);
}
