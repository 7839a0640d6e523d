import { hostname } from 'node:os';
import type { Attributes, AttributeValue } from './model.js';
import type { ResolvedOtlpOptions } from './options.js';
import { VERSION } from '../util/version.js';
import { processEnv } from '../config/read.js';

/** hmetrics' version. */
export function hmetricsVersion(): string {
  return VERSION;
}

/**
 * The resource every export describes: `service.name`, `service.instance.id` (the dyno name on
 * Heroku, else host and pid), `process.pid`, `process.runtime.*`, `host.name`,
 * `telemetry.sdk.*`, then the user's attributes (which win), then `serviceName`.
 */
export function buildResource(options: ResolvedOtlpOptions, env: NodeJS.ProcessEnv = processEnv()): Attributes {
  const host = safeHostname();
  const dyno = (env['DYNO'] ?? '').trim();
  const attributes = new Map<string, AttributeValue>([
    ['service.name', options.serviceName],
    ['service.instance.id', dyno !== '' ? dyno : `${host}:${process.pid}`],
    ['process.pid', process.pid],
    ['process.runtime.name', 'nodejs'],
    ['process.runtime.version', process.versions.node],
    ['process.runtime.description', 'Node.js'],
    ['host.name', host],
    ['telemetry.sdk.name', 'hmetrics'],
    ['telemetry.sdk.language', 'nodejs'],
    ['telemetry.sdk.version', hmetricsVersion()],
  ]);
  for (const [key, value] of Object.entries(options.resourceAttributes)) attributes.set(key, value);
  attributes.set('service.name', options.serviceName);
  return [...attributes];
}

function safeHostname(): string {
  try {
    return hostname();
  } catch {
    return 'localhost';
  }
}
