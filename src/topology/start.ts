import { lazy } from '../lazy.js';
import { builtin } from '../util/builtin.js';
import { debug } from '../util/debug.js';
import { herokuCollectorConflict } from './heroku-collector.js';
import { isMainThread } from './threads.js';
import { currentFacts, decideRole, PRIMARY_ENV } from './role.js';

// Loaded only when onload has something to start: a process with no hmetrics variables pays
// for none of it. node:worker_threads loads only where threads exist (threads.ts).

/** What onload does with the topology rule's answer. */
export type Role =
  | { readonly kind: 'report' }
  | { readonly kind: 'thread' }
  | { readonly kind: 'silent' }
  | {
    readonly kind: 'cluster-worker';
    /** Starts sending snapshots to the primary every `interval` ms; stop() sends the last one. */
    forward(interval: number): { stop(): Promise<void>; readonly done: Promise<void> };
  };

/**
 * Applies the topology rule for onload. For the process that reports (to an endpoint or OTLP) it also
 * announces itself to the cluster workers it may fork (PRIMARY_ENV, inherited through the
 * environment) and prints the one unasked line when Heroku's own collector runs beside it.
 * Never throws: when the facts cannot be read, the process reports as before.
 */
export function topologyRole(env: NodeJS.ProcessEnv, endpoint: string, anyArea: boolean, otlp = false): Role {
  if (!endpoint && !anyArea && !otlp) return { kind: 'silent' };
  let role: ReturnType<typeof decideRole> = { kind: 'report' };
  try {
    role = decideRole(currentFacts(isMainThread(), env, () => builtin('node:cluster').isWorker));
  } catch (error) {
    debug(`topology unknown, reporting from this process: ${(error as Error).message}`);
  }
  switch (role.kind) {
    case 'silent':
      debug(`not starting: ${role.reason}`);
      return role;
    case 'thread':
      debug('worker thread: its figures go to the main thread\'s report');
      lazy.threadForwarder().forwardThreadFigures();
      return role;
    case 'cluster-worker':
      debug(`cluster worker: sending snapshots to the primary (pid ${role.primaryPid})`);
      return {
        kind: 'cluster-worker',
        forward: (interval) =>
          lazy.clusterForwarder().forwardToPrimary({ interval }),
      };
    case 'report':
      // OTLP pushes too: the primary exports for its workers, so it announces itself alike.
      if (endpoint || otlp) announceAndWarn(env, endpoint);
      return role;
  }
}

function announceAndWarn(env: NodeJS.ProcessEnv, endpoint: string): void {
  env[PRIMARY_ENV] = String(process.pid);
  const warning = herokuCollectorConflict(env, process.execArgv, endpoint);
  if (warning === undefined) return;
  try {
    process.stderr.write(warning);
  } catch {
    // stderr closed: nothing more to do.
  }
}
