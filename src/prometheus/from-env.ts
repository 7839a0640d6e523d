import { describeBind, parseListenAddress, type ListenAddress } from '../config/listen-address.js';
import { debug } from '../util/debug.js';
import { packageManagerOf } from '../topology/role.js';
import { isMainThread } from '../topology/threads.js';
import { isClusterWorker } from './cluster.js';
import { exporter } from './exporter.js';
import { servePrometheus, type PrometheusServer } from './server.js';

/** Why this process must not serve the endpoint, or undefined. */
export function notServingReason(argv: readonly string[] = process.argv): string | undefined {
  // npm, npx, yarn, pnpm, corepack: `NODE_OPTIONS` reaches them too, and they must not take the app's port.
  if (packageManagerOf(argv[1]) !== undefined) return 'a package-manager process';
  // A worker thread shares the process with the main thread, which serves it.
  if (!isMainThread()) return 'a worker thread';
  return undefined;
}

/**
 * What onload does with `HMETRICS_PROMETHEUS_LISTEN`. A cluster worker does not listen (its
 * listen would be shared with the primary's and scrapes would land on random workers); it
 * answers the primary, whose endpoint serves the whole dyno. Never throws; a port in use gives
 * one stderr line under HMETRICS_VERBOSE and no retry.
 */
export function startPrometheusFromEnv(env: NodeJS.ProcessEnv): Promise<PrometheusServer | undefined> {
  let listen: ListenAddress;
  try {
    // The one listen-address rule (docs/configuration.md); a bare port binds every interface.
    listen = parseListenAddress(env['HMETRICS_PROMETHEUS_LISTEN'] ?? '', 'HMETRICS_PROMETHEUS_LISTEN');
  } catch (err) {
    debug(`prometheus not started: ${(err as Error).message}`);
    return Promise.resolve(undefined);
  }
  const skip = notServingReason();
  if (skip !== undefined) {
    debug(`prometheus not started: ${skip}`);
    return Promise.resolve(undefined);
  }
  if (isClusterWorker()) {
    exporter(); // enables the collectors and answers the primary's scrapes
    return Promise.resolve(undefined);
  }
  return servePrometheus(listen).then((server) => {
    const bound = server.address();
    if (bound) debug(`prometheus: serving /metrics on ${describeBind(bound.address, bound.port)}`);
    return server;
  }, (err: unknown) => {
    debug(`prometheus not started: ${(err as Error).message}`);
    return undefined;
  });
}
