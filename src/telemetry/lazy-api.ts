import { lazy } from '../lazy.js';
import type * as Api from './api.js';

/**
 * The buffer API as `hmetrics/onload` re-exports it: the same functions, but the buffer's
 * code runs at the first call instead of at import. Most processes that preload onload never
 * record a telemetry key, and whatever an `--import` evaluates costs startup time
 * (bench/startup.bench.ts measures the onload cases).
 * `require()` of our ESM files is synchronous on Node >= 20.19 and shares the module cache
 * with `import`, so both entries reach one buffer. See each function in `hmetrics` for docs.
 */
let api: typeof Api | undefined;
function real(): typeof Api {
  return (api ??= lazy.telemetryApi());
}

// The recording functions never throw into the app, even if loading the buffer failed (the
// real ones catch everything else themselves).
export const set: typeof Api.set = (key, value) => { try { real().set(key, value); } catch { /* refused */ } };
export const setNested: typeof Api.setNested = (key, subkey, value) => { try { real().setNested(key, subkey, value); } catch { /* refused */ } };
export const append: typeof Api.append = (key, value) => { try { real().append(key, value); } catch { /* refused */ } };
export const appendUnique: typeof Api.appendUnique = (key, value) => { try { real().appendUnique(key, value); } catch { /* refused */ } };
export const add: typeof Api.add = (key, n) => { try { real().add(key, n); } catch { /* refused */ } };
export const increment: typeof Api.increment = (key) => { try { real().increment(key); } catch { /* refused */ } };
export const reset: typeof Api.reset = () => real().reset();
export const init: typeof Api.init = (...args) => real().init(...args);
export const startEmitting: typeof Api.startEmitting = (...args) => real().startEmitting(...args);
export const stopEmitting: typeof Api.stopEmitting = () => real().stopEmitting();
