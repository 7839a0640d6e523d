/**
 * AWS client-side monitoring (CSM) version 1 events, with the field names and truncation
 * limits the AWS SDKs' own publishers use. Absent fields are left out of the JSON entirely.
 */

/** Fields both event types carry. */
export interface CsmEventBase {
  readonly Version: 1;
  readonly ClientId: string;
  /** The SDK's service id, e.g. `STS`. */
  readonly Service: string;
  /** The operation name, e.g. `GetCallerIdentity`. */
  readonly Api: string;
  /** Epoch ms when the call (ApiCall) or the attempt (ApiCallAttempt) started. */
  readonly Timestamp: number;
  readonly Region?: string;
  readonly UserAgent?: string;
}

/** One per command, sent when the command settles. */
export interface ApiCallEvent extends CsmEventBase {
  readonly Type: 'ApiCall';
  /** Attempts made (retries included); 0 when the call failed before sending anything. */
  readonly AttemptCount: number;
  /** Whole call, ms. */
  readonly Latency: number;
  readonly FinalHttpStatusCode?: number;
  readonly FinalAwsException?: string;
  readonly FinalAwsExceptionMessage?: string;
  readonly FinalSdkException?: string;
  readonly FinalSdkExceptionMessage?: string;
  /** 1 when the call failed with a retryable error after its last permitted attempt. */
  readonly MaxRetriesExceeded: 0 | 1;
}

/** One per attempt, sent when the attempt settles. */
export interface ApiCallAttemptEvent extends CsmEventBase {
  readonly Type: 'ApiCallAttempt';
  readonly Fqdn?: string;
  /** This attempt, ms. */
  readonly AttemptLatency: number;
  readonly HttpStatusCode?: number;
  readonly XAmznRequestId?: string;
  readonly XAmzRequestId?: string;
  readonly XAmzId2?: string;
  readonly AccessKey?: string;
  readonly SessionToken?: string;
  readonly AwsException?: string;
  readonly AwsExceptionMessage?: string;
  readonly SdkException?: string;
  readonly SdkExceptionMessage?: string;
}

export type CsmEvent = ApiCallEvent | ApiCallAttemptEvent;

/** The AWS SDKs' limits, in characters. */
export const CSM_FIELD_LIMITS = {
  ClientId: 255,
  UserAgent: 256,
  AwsException: 128,
  AwsExceptionMessage: 512,
  SdkException: 128,
  SdkExceptionMessage: 512,
  FinalAwsException: 128,
  FinalAwsExceptionMessage: 512,
  FinalSdkException: 128,
  FinalSdkExceptionMessage: 512,
} as const;

/** Largest datagram sent; larger events are dropped and counted, as the AWS SDKs do. */
export const CSM_MAX_DATAGRAM_BYTES = 8 * 1024;

const LIMITED = Object.keys(CSM_FIELD_LIMITS) as Array<keyof typeof CSM_FIELD_LIMITS>;

/** Cuts `value` to at most `max` UTF-16 units without splitting a surrogate pair. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  const code = value.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return value.slice(0, end);
}

/** Applies the AWS limits in place (the event is ours, built for this one datagram). */
export function truncateFields(event: Record<string, unknown>): void {
  for (const field of LIMITED) {
    const value = event[field];
    if (typeof value === 'string') event[field] = truncate(value, CSM_FIELD_LIMITS[field]);
  }
}
