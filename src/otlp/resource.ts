import type { Attributes, AttributeValue } from './model.js';
import type { ResolvedOtlpOptions } from './options.js';
import { VERSION } from '../util/version.js';
import { processEnv } from '../config/read.js';
import { readFileOnce } from '../util/kept-files.js';

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

/**
 * `os.hostname()`'s answer. On Linux it is read from /proc/sys/kernel/hostname, the same UTS
 * name gethostname(2) returns, through node:fs, which the sampler has loaded already: loading
 * node:os for this one call cost ~1.7 M instructions (~0.3 ms) of a short job's startup
 * (bench/startup.bench.ts). A name that is not plain printable ASCII, or anything else than
 * Linux, asks node:os itself, so both ways give the same string.
 */
export function safeHostname(): string {
  try {
    if (process.platform === 'linux') {
      const text = readFileOnce('/proc/sys/kernel/hostname');
      if (text !== undefined && /^[\x21-\x7e]+\n$/.test(text)) return text.slice(0, -1);
    }
    return process.getBuiltinModule('node:os').hostname();
  } catch {
    return 'localhost';
  }
}
