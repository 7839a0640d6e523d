/**
 * The topology rule: one true stream per dyno. Decides, for the current process and thread,
 * whether hmetrics reports, forwards its figures to the one that reports, or stays silent.
 * docs/topology.md has the picture. Kept free of heavy imports: onload calls it at import time.
 */

/**
 * Set by a reporting process in its own environment, so the cluster workers it forks inherit
 * it: the pid of the process that merges their snapshots.
 */
export const PRIMARY_ENV = 'HMETRICS_CLUSTER_PRIMARY';

/** What the current process or thread does. */
export type Role =
  /** Starts the report loop: a standalone process, a cluster primary, or a worker on its own. */
  | { readonly kind: 'report' }
  /** A cluster worker whose primary reports: sends each interval's snapshot to it over IPC. */
  | { readonly kind: 'cluster-worker'; readonly primaryPid: number }
  /** A worker thread: its figures reach the main thread's report over a BroadcastChannel. */
  | { readonly kind: 'thread' }
  /** A package manager's own process (npm, npx, yarn, pnpm, corepack): never reports. */
  | { readonly kind: 'silent'; readonly reason: string };

/** What the rule looks at; `currentFacts()` reads them from this process. */
export interface ProcessFacts {
  /** `process.argv[1]`: the script node runs. */
  readonly script: string | undefined;
  readonly isMainThread: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly ppid: number;
  /** `cluster.isWorker`: a process forked by `cluster.fork()` (not by `child_process.fork()`). */
  readonly isClusterWorker: boolean;
}

/**
 * Reads the facts of this process. `node:cluster` is consulted only by a process with an IPC
 * channel whose parent announced itself: cluster deletes `NODE_UNIQUE_ID` from the environment
 * before any preload runs, so the module is the one reliable witness.
 */
export function currentFacts(
  isMainThread: boolean,
  env: NodeJS.ProcessEnv,
  isClusterWorker: () => boolean,
): ProcessFacts {
  const announced = typeof process.send === 'function' && env[PRIMARY_ENV] === String(process.ppid);
  return {
    script: process.argv[1],
    isMainThread,
    env,
    ppid: process.ppid,
    isClusterWorker: announced && isClusterWorker(),
  };
}

/** The rule. Package managers first: `NODE_OPTIONS` reaches them, and their own workers too. */
export function decideRole(facts: ProcessFacts): Role {
  const manager = packageManagerOf(facts.script);
  if (manager !== undefined) return { kind: 'silent', reason: `${manager}'s own process (the app it starts reports)` };
  if (!facts.isMainThread) return { kind: 'thread' };
  if (facts.isClusterWorker && facts.env[PRIMARY_ENV] === String(facts.ppid)) {
    return { kind: 'cluster-worker', primaryPid: facts.ppid };
  }
  return { kind: 'report' };
}

// File names of package-manager entry points, extension removed: npm's and npx's CLIs and the
// shims on PATH, yarn 1 (`bin/yarn.js`) and berry releases (`yarn-4.5.0.cjs`), pnpm
// (`bin/pnpm.cjs`), and corepack with its shims (`dist/npm.js`, `dist/yarn.js` …).
const MANAGER_BASENAMES: ReadonlyMap<string, string> = new Map([
  ['npm-cli', 'npm'], ['npm', 'npm'], ['npx-cli', 'npx'], ['npx', 'npx'],
  ['yarn', 'yarn'], ['yarnpkg', 'yarn'], ['pnpm', 'pnpm'], ['pnpx', 'pnpm'], ['corepack', 'corepack'],
]);
const YARN_RELEASE = /^yarn-\d[\w.-]*$/;

/**
 * The package manager whose entry point `script` is, or undefined. Only the file name is
 * looked at (with `.js`, `.cjs`, `.mjs` or no extension), so an app's `server.js` started by
 * `npm start` (which inherits `npm_lifecycle_event`, `npm_execpath` …) is never mistaken.
 */
export function packageManagerOf(script: string | undefined): string | undefined {
  if (script === undefined || script === '') return undefined;
  const base = script.slice(Math.max(script.lastIndexOf('/'), script.lastIndexOf('\\')) + 1).replace(/\.(c|m)?js$/, '');
  const known = MANAGER_BASENAMES.get(base);
  if (known !== undefined) return known;
  return YARN_RELEASE.test(base) ? 'yarn' : undefined;
}
