import { builtin } from '../util/builtin.js';

// node:worker_threads costs ~20 internal modules, ~0.7 ms CPU and 0.4 MB at startup
// (bench/startup.bench.ts). A process only has threads if something loaded it: `Worker` is
// reachable through that module alone, and a worker thread's own bootstrap loads it before any
// user code. So while Node's module list does not name it, this is the main thread and no
// thread exists, and nothing needs to load it.

/** Whether `id` (a built-in, without `node:`) is loaded, read without loading it; undefined where Node keeps no list. */
export function builtinLoaded(id: string): boolean | undefined {
  const list = (process as { moduleLoadList?: unknown }).moduleLoadList;
  return Array.isArray(list) ? list.includes(`NativeModule ${id}`) : undefined;
}

/** Whether threads may exist in this process (this one included): node:worker_threads is loaded. */
export function threadsPossible(): boolean {
  return builtinLoaded('worker_threads') !== false;
}

/** `worker_threads.isMainThread`, without loading the module in a process that has no threads. */
export function isMainThread(): boolean {
  return !threadsPossible() || builtin('node:worker_threads').isMainThread;
}
