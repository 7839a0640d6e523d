import type { ApiCallAttemptEvent, ApiCallEvent } from './event.js';
import { classifyError, errorStatus, isRetryableError, type HttpResponseLike, type SdkErrorLike } from './classify.js';
import {
  accessKeyOf, apiOf, header, maxAttemptsOf, queryString, resolveRegion, serviceOf, setIf,
  type HttpRequestLike, type ResolvedConfig,
} from './sdk-context.js';

/**
 * The shape of an AWS SDK for JavaScript v3 client that `injectHandlers` needs. Typed
 * structurally so that no AWS package is ever imported by hmetrics.
 */
export interface AwsSdkClientLike {
  // Typed loosely on purpose: the SDK's overloaded `add` must be assignable without importing it.
  readonly middlewareStack: { add(...args: never[]): unknown };
  readonly config: object;
}

type MiddlewareStep = 'initialize' | 'serialize' | 'build' | 'finalizeRequest' | 'deserialize';
type AddMiddleware = (
  middleware: (next: (args: any) => Promise<any>, context: Record<PropertyKey, any>) => (args: any) => Promise<any>,
  options: { step: MiddlewareStep; name: string; priority?: 'high' | 'normal' | 'low'; override?: boolean; tags?: string[] },
) => void;

/** What the middlewares hand their finished events to. */
export interface CsmRecorder {
  readonly clientId: string;
  /** False while paused: events of calls and attempts that end now are not built or sent. */
  readonly active: boolean;
  now(): number;
  record(event: ApiCallEvent | ApiCallAttemptEvent): void;
}

/** Middleware names, visible in `client.middlewareStack.identify()`. */
export const CSM_MIDDLEWARE = { call: 'hmetricsCsmApiCall', attempt: 'hmetricsCsmApiCallAttempt' } as const;

/** Per-command state shared by the call and attempt middlewares through the handler context. */
interface CallState {
  attempts: number;
  lastStatus: number | undefined;
  userAgent: string | undefined;
}

/**
 * Per-client facts read once: the region is resolved at the first call (the SDK's provider is
 * async) and kept, so later events are finished synchronously. Events that wait for it chain
 * on one promise, so they still go out in the order they happened.
 */
interface ClientInfo {
  readonly config: ResolvedConfig;
  region: string | undefined;
  resolved: boolean;
  ready: Promise<void> | undefined;
}

function whenReady(info: ClientInfo, finish: () => void): void {
  if (info.resolved) {
    finish();
    return;
  }
  info.ready ??= resolveRegion(info.config).then((region) => {
    info.region = region;
    info.resolved = true;
  });
  info.ready.then(finish).catch(() => undefined);
}

const STATE = Symbol('hmetrics.csm.call');

/**
 * Adds the two CSM middlewares to an SDK v3 client's stack:
 * - `initialize` (outermost, high priority) wraps the whole command: one `ApiCall` event;
 * - `deserialize` (high priority) sits inside the retry middleware (finalizeRequest) and
 *   after signing, and wraps the deserializer: it sees every attempt, its signed request and
 *   its parsed service error, so one `ApiCallAttempt` event per attempt.
 */
export function injectCsmMiddleware(client: AwsSdkClientLike, recorder: CsmRecorder): void {
  const config = client.config as ResolvedConfig;
  const info: ClientInfo = { config, region: undefined, resolved: false, ready: undefined };
  const stack = client.middlewareStack as unknown as { add: AddMiddleware };
  const add: AddMiddleware = (middleware, options) => stack.add(middleware, options);

  add((next, context) => async (args: unknown) => {
    // Always tracked, even while paused: whether a call's events go out is decided when the call
    // (or attempt) ends, so a call that spans `continue()` is reported (the Go SDK's rule).
    const state: CallState = { attempts: 0, lastStatus: undefined, userAgent: undefined };
    context[STATE] = state;
    const timestamp = recorder.now();
    try {
      const result = await next(args);
      emitCall(recorder, info, context, state, timestamp, undefined);
      return result;
    } catch (error) {
      emitCall(recorder, info, context, state, timestamp, error);
      throw error;
    }
  }, { step: 'initialize', name: CSM_MIDDLEWARE.call, priority: 'high', override: true, tags: ['HMETRICS', 'CSM'] });

  add((next, context) => async (args: { request?: HttpRequestLike }) => {
    const state = context[STATE] as CallState | undefined;
    if (state === undefined) return next(args);
    state.attempts++;
    const request = args.request ?? {};
    const timestamp = recorder.now();
    try {
      const result = await next(args);
      emitAttempt(recorder, info, context, state, request, timestamp, result?.response as HttpResponseLike | undefined, undefined);
      return result;
    } catch (error) {
      emitAttempt(recorder, info, context, state, request, timestamp, (error as SdkErrorLike | null)?.$response, error);
      throw error;
    }
  }, { step: 'deserialize', name: CSM_MIDDLEWARE.attempt, priority: 'high', override: true, tags: ['HMETRICS', 'CSM'] });
}

function emitAttempt(
  recorder: CsmRecorder, info: ClientInfo, context: Record<PropertyKey, any>, state: CallState,
  request: HttpRequestLike, timestamp: number, response: HttpResponseLike | undefined, error: unknown,
): void {
  try {
    if (!recorder.active) return;
    const end = recorder.now();
    const headers = request.headers ?? {};
    const userAgent = header(headers, 'user-agent') ?? header(headers, 'x-amz-user-agent');
    const status = response?.statusCode ?? (error ? errorStatus(error as SdkErrorLike) : undefined);
    state.lastStatus = status;
    state.userAgent = userAgent;
    const event: Record<string, unknown> = {
      Type: 'ApiCallAttempt', Version: 1, ClientId: recorder.clientId,
      Service: serviceOf(info.config, context), Api: apiOf(context), Timestamp: Math.round(timestamp),
      Region: undefined, // filled in once resolved; kept here so the JSON reads in the usual order
    };
    if (userAgent !== undefined) event['UserAgent'] = userAgent;
    if (request.hostname) event['Fqdn'] = request.hostname;
    event['AttemptLatency'] = Math.max(0, Math.round(end - timestamp));
    if (status !== undefined) event['HttpStatusCode'] = status;
    const responseHeaders = response?.headers;
    if (responseHeaders) {
      setIf(event, 'XAmznRequestId', header(responseHeaders, 'x-amzn-requestid'));
      setIf(event, 'XAmzRequestId', header(responseHeaders, 'x-amz-request-id'));
      setIf(event, 'XAmzId2', header(responseHeaders, 'x-amz-id-2'));
    }
    setIf(event, 'AccessKey', accessKeyOf(request));
    setIf(event, 'SessionToken', header(headers, 'x-amz-security-token') ?? queryString(request, 'X-Amz-Security-Token'));
    if (error !== undefined) {
      const exception = classifyError(error);
      const prefix = exception.kind === 'aws' ? 'Aws' : 'Sdk';
      event[`${prefix}Exception`] = exception.name;
      event[`${prefix}ExceptionMessage`] = exception.message;
    }
    whenReady(info, () => {
      if (info.region !== undefined) event['Region'] = info.region;
      recorder.record(event as unknown as ApiCallAttemptEvent);
    });
  } catch {
    // Monitoring must never change what the app's call returns or throws.
  }
}

function emitCall(
  recorder: CsmRecorder, info: ClientInfo, context: Record<PropertyKey, any>, state: CallState,
  timestamp: number, error: unknown,
): void {
  try {
    if (!recorder.active) return;
    const latency = Math.max(0, Math.round(recorder.now() - timestamp));
    const event: Record<string, unknown> = {
      Type: 'ApiCall', Version: 1, ClientId: recorder.clientId,
      Service: serviceOf(info.config, context), Api: apiOf(context), Timestamp: Math.round(timestamp),
      Region: undefined,
    };
    if (state.userAgent !== undefined) event['UserAgent'] = state.userAgent;
    event['AttemptCount'] = state.attempts;
    event['Latency'] = latency;
    if (state.lastStatus !== undefined) event['FinalHttpStatusCode'] = state.lastStatus;
    if (error !== undefined) {
      const exception = classifyError(error);
      const prefix = exception.kind === 'aws' ? 'FinalAws' : 'FinalSdk';
      event[`${prefix}Exception`] = exception.name;
      event[`${prefix}ExceptionMessage`] = exception.message;
    }
    event['MaxRetriesExceeded'] = 0;
    const finish = (): void => {
      if (info.region !== undefined) event['Region'] = info.region;
      recorder.record(event as unknown as ApiCallEvent);
    };
    // Only a retryable failure can have run out of retries; only then is the limit looked up.
    if (error !== undefined && state.attempts > 0 && isRetryableError(error)) {
      maxAttemptsOf(info.config).then((max) => {
        if (state.attempts >= max) event['MaxRetriesExceeded'] = 1;
        whenReady(info, finish);
      }).catch(() => undefined);
    } else {
      whenReady(info, finish);
    }
  } catch {
    // Never the app's problem.
  }
}
