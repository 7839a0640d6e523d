/** The built-ins read through `builtin()`, by id. */
interface Builtins {
  'node:async_hooks': typeof import('node:async_hooks');
  'node:cluster': typeof import('node:cluster').default;
  'node:diagnostics_channel': typeof import('node:diagnostics_channel');
  'node:perf_hooks': typeof import('node:perf_hooks');
  'node:worker_threads': typeof import('node:worker_threads');
}

/**
 * A Node built-in, loaded at first use. `process.getBuiltinModule` (Node >= 20.16) rather than
 * an import: a bundle hoists a static import of a built-in to the top of its one scope, so every
 * process would load it at startup, and each importing module would copy its exports into an
 * object of getters of its own (in the onload core, seven copies of perf_hooks' exports at
 * every start). `performance` and `PerformanceObserver` are globals and need neither.
 */
export function builtin<const Id extends keyof Builtins>(id: Id): Builtins[Id] {
  return process.getBuiltinModule(id) as never;
}
