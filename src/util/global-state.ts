/**
 * The one home of process-wide state. A process can hold several copies of hmetrics at once:
 * the ESM build and the CommonJS build (Jest's module registry, a bundle, old tooling that
 * `require`s), or an app's copy and a dependency's. Each copy has its own module instances, so
 * a module-level singleton would give each its own report loop, aggregator and telemetry
 * buffer. Every singleton lives here instead, on `globalThis`, where all copies find it.
 *
 * The key is versioned: copies whose shared state has the same shape share it. Bump
 * `STATE_VERSION` whenever an entry's shape changes, so an older copy never reads objects laid
 * out by a newer one (they then keep apart, as two unrelated libraries would).
 */
export const STATE_VERSION = 1;

const KEY = Symbol.for(`hmetrics.state.v${STATE_VERSION}`);

type Store = Record<string, unknown>;
type Holder = { [KEY]?: Store };

/**
 * The process-wide value named `name`, created by `create` on first use by any copy.
 * Callers keep mutable fields inside the returned object (never reassign it), so every copy
 * sees every change.
 *
 * @example
 * const lock = shared('report.lock', () => ({ running: false }));
 */
export function shared<T extends object>(name: string, create: () => T): T {
  const holder = globalThis as Holder;
  const store = (holder[KEY] ??= Object.create(null) as Store);
  let value = store[name] as T | undefined;
  if (value === undefined) {
    value = create();
    store[name] = value;
  }
  return value;
}
