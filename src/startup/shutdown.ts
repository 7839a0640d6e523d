import { debug } from '../util/debug.js';
import { shared } from '../util/global-state.js';
import { REPORT_DEFAULTS } from '../loop/report-defaults.js';
import type { Supervisor } from './supervisor.js';

/** Past `flushTimeout`, how long a shutdown may still take before hmetrics lets go. */
export const SHUTDOWN_MARGIN_MS = 500;

/** The signals whose default action ends the process and that a platform sends to stop it. */
export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

// One set of listeners per process, whichever copy of the package installs them, and every
// area's final delivery (report loop, telemetry emitter) behind them.
interface ShutdownState {
  readonly flushes: (() => Promise<unknown>)[];
  installed: boolean;
  bound: number;
  final: Promise<void> | undefined;
}
const state = shared<ShutdownState>('shutdown', () => ({ flushes: [], installed: false, bound: 0, final: undefined }));

/**
 * Delivers the partial interval however the process ends, without changing how it ends
 * (docs/lifecycle.md, "Signals: the rule"):
 *
 * - SIGTERM/SIGINT/SIGHUP: when nothing but hmetrics and `signal-exit` listens *at the moment
 *   the signal arrives*, the process still dies by that signal, right after the final delivery
 *   and at most `flushTimeout` + `SHUTDOWN_MARGIN_MS` later; when anything else listens (the
 *   app's `on` or `once` handler, a graceful-shutdown library), it keeps control and hmetrics
 *   only delivers.
 * - natural exit (`beforeExit`): one final delivery, then the process ends. Handled once:
 *   `beforeExit` fires again when the delivery's socket closes, and that time it lets go.
 *
 * @param flushTimeout the final delivery's bound, ms
 */
export function installShutdownFlush(supervisor: Supervisor, flushTimeout: number = REPORT_DEFAULTS.flushTimeout): void {
  addFinalFlush(() => supervisor.stop(), flushTimeout);
}

/**
 * Registers one area's final delivery (it must settle by itself within `flushTimeout`); the
 * first registration installs the signal and `beforeExit` listeners. Every registered delivery
 * runs at once, in parallel, when the process ends.
 */
export function addFinalFlush(flush: () => Promise<unknown>, flushTimeout: number = REPORT_DEFAULTS.flushTimeout): void {
  state.flushes.push(flush);
  state.bound = Math.max(state.bound, flushTimeout + SHUTDOWN_MARGIN_MS);
  if (state.installed) return;
  state.installed = true;
  for (const signal of SHUTDOWN_SIGNALS) listen(signal);
  let exiting = false;
  const onBeforeExit = (): void => {
    if (exiting) return;
    exiting = true;
    process.removeListener('beforeExit', onBeforeExit);
    void finalDelivery();
  };
  process.on('beforeExit', onBeforeExit);
}

/**
 * Every area's final delivery, started once: settles when all have settled or when the bound
 * has passed. Ref'd until then (the loop's own timers and sockets are unref'd): this holds the
 * process for the delivery, never longer than the bound.
 */
function finalDelivery(): Promise<void> {
  if (state.final !== undefined) return state.final;
  const bound = state.bound;
  state.final = new Promise<void>((resolve) => {
    const deadline = setTimeout(() => {
      debug(`final delivery still running after ${bound} ms; letting go`);
      resolve();
    }, bound);
    const all = state.flushes.map((flush) => {
      try {
        return flush();
      } catch (error) {
        return Promise.reject(error);
      }
    });
    void Promise.allSettled(all).then(() => {
      clearTimeout(deadline);
      resolve();
    });
  });
  // Delivered (or out of time): hmetrics steps aside on every signal, so whatever comes next —
  // a graceful-shutdown library re-raising the signal, a second Ctrl-C — meets exactly the
  // listeners it would meet without hmetrics.
  void state.final.then(() => { for (const stepAside of asides) stepAside(); });
  return state.final;
}

/** One per signal this copy listens to: removes its listener (and re-raises when it held the exit). */
const asides: (() => void)[] = [];

function listen(signal: ShutdownSignal): void {
  let holding = false;
  let gone = false;
  const letGo = (): void => {
    if (gone) return;
    gone = true;
    process.removeListener(signal, onSignal);
    process.removeListener('newListener', keepFirst);
    // With no listener left, Node restores the default action: the process dies by the signal.
    // signal-exit's listeners, when present, now see themselves alone and do the same after
    // running their exit handlers.
    process.kill(process.pid, signal);
  };
  const onSignal = (): void => {
    // First in line, hmetrics sees every listener present as the signal arrives, `once`
    // wrappers included (Node removes each just before calling it).
    const others = process.listenerCount(signal) - 1 - signalExitListeners();
    void finalDelivery();
    if (others > 0) {
      debug(`${signal}: ${others} other listener(s); the app decides how the process ends`);
      return;
    }
    // A second signal while hmetrics holds the exit: the user insists, and without hmetrics
    // the first one would already have ended the process.
    if (holding) letGo();
    holding = true;
  };
  // Stays first even when the app prepends its own listener later: re-checked after each
  // listener added for this signal (a microtask: Node adds it just after announcing it).
  const keepFirst = (event: string | symbol): void => {
    if (event !== signal || gone) return;
    queueMicrotask(() => {
      if (gone || process.rawListeners(signal)[0] === onSignal) return;
      process.removeListener(signal, onSignal);
      process.prependListener(signal, onSignal);
    });
  };
  asides.push(() => {
    if (holding) {
      letGo();
      return;
    }
    gone = true;
    process.removeListener(signal, onSignal);
    process.removeListener('newListener', keepFirst);
  });
  process.prependListener(signal, onSignal);
  process.on('newListener', keepFirst);
}

/**
 * The listeners `signal-exit` keeps on every signal. They re-raise only when they are all that
 * listens, so they are not "the app deciding": counted out, as each version counts itself.
 * v3 keeps its count on `process.__signal_exit_emitter__`; v4 on a global emitter under
 * `Symbol.for('signal-exit emitter')` (and adds v3's count, as here). Each loaded copy adds one
 * listener per signal and one to its count.
 */
function signalExitListeners(): number {
  const v4 = (globalThis as Record<symbol, unknown>)[Symbol.for('signal-exit emitter')];
  const v3 = (process as unknown as Record<string, unknown>)['__signal_exit_emitter__'];
  return countOf(v4) + countOf(v3);
}

function countOf(emitter: unknown): number {
  if (typeof emitter !== 'object' || emitter === null) return 0;
  const count = (emitter as { count?: unknown }).count;
  return typeof count === 'number' && Number.isInteger(count) && count > 0 ? count : 0;
}
