/**
 * Reading an AWS SDK v3 call's facts from what the middleware stack hands over (the handler
 * context, the signed request, the resolved client config), without importing any AWS package.
 */

const DEFAULT_MAX_ATTEMPTS = 3;

/** The resolved client config fields read (providers are functions once resolved). */
export interface ResolvedConfig {
  readonly serviceId?: unknown;
  readonly region?: unknown;
  readonly maxAttempts?: unknown;
  readonly retryStrategy?: unknown;
}

/** The parts of a smithy `HttpRequest` read. */
export interface HttpRequestLike {
  readonly hostname?: string;
  readonly headers?: Record<string, string | undefined>;
  readonly query?: Record<string, unknown>;
}

/** Sets `key` only for a non-empty value: CSM leaves absent fields out. */
export function setIf(event: Record<string, unknown>, key: string, value: string | undefined): void {
  if (value !== undefined && value !== '') event[key] = value;
}

/** Node lower-cases response headers; a custom request handler might not. */
export function header(headers: Record<string, string | undefined>, lowerName: string): string | undefined {
  const direct = headers[lowerName];
  if (direct !== undefined) return String(direct);
  for (const key in headers) {
    if (key.length === lowerName.length && key.toLowerCase() === lowerName) {
      const value = headers[key];
      return value === undefined ? undefined : String(value);
    }
  }
  return undefined;
}

/** A query parameter of a presigned request. */
export function queryString(request: HttpRequestLike, name: string): string | undefined {
  const value = request.query?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** The access key the attempt was signed with: SigV4's `Credential=AKID/…`, header or query. */
export function accessKeyOf(request: HttpRequestLike): string | undefined {
  const authorization = request.headers ? header(request.headers, 'authorization') : undefined;
  const credential = authorization !== undefined
    ? /Credential=([^/,\s]+)\//.exec(authorization)?.[1]
    : queryString(request, 'X-Amz-Credential')?.split('/')[0];
  return credential || undefined;
}

/** The SDK's service id (`STS`), else the client's name without `Client`. */
export function serviceOf(config: ResolvedConfig, context: Record<PropertyKey, any>): string {
  if (typeof config.serviceId === 'string' && config.serviceId) return config.serviceId;
  const clientName = typeof context['clientName'] === 'string' ? context['clientName'] as string : '';
  return clientName.replace(/Client$/, '');
}

/** The operation name (`GetCallerIdentity`), else the command's name without `Command`. */
export function apiOf(context: Record<PropertyKey, any>): string {
  const operation = context['__smithy_context']?.operation;
  if (typeof operation === 'string' && operation) return operation;
  const commandName = typeof context['commandName'] === 'string' ? context['commandName'] as string : '';
  return commandName.replace(/Command$/, '');
}

/** The client's region, or undefined when its provider fails. Never rejects. */
export async function resolveRegion(config: ResolvedConfig): Promise<string | undefined> {
  try {
    const region = typeof config.region === 'function' ? await (config.region as () => unknown)() : config.region;
    return typeof region === 'string' && region ? region : undefined;
  } catch {
    return undefined;
  }
}

/** The retry strategy's own limit when it exposes one, else the client's `maxAttempts`. */
export async function maxAttemptsOf(config: ResolvedConfig): Promise<number> {
  try {
    const strategy = typeof config.retryStrategy === 'function' ? await (config.retryStrategy as () => unknown)() : config.retryStrategy;
    const provider = (strategy as { maxAttemptsProvider?: unknown } | undefined)?.maxAttemptsProvider;
    const fromStrategy = typeof provider === 'function' ? await (provider as () => unknown).call(strategy) : undefined;
    if (typeof fromStrategy === 'number' && fromStrategy > 0) return fromStrategy;
    const fromConfig = typeof config.maxAttempts === 'function' ? await (config.maxAttempts as () => unknown)() : config.maxAttempts;
    if (typeof fromConfig === 'number' && fromConfig > 0) return fromConfig;
  } catch {
    // fall through to the SDK default
  }
  return DEFAULT_MAX_ATTEMPTS;
}
