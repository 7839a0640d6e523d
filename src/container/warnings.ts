import { isTruthy, processEnv } from '../config/read.js';
import { shared } from '../util/global-state.js';

const MiB = 1024 * 1024;
const HOUR_MS = 3_600_000;

/** The warning rules' thresholds, in one place (docs/container.md states them). */
export const WARNING_RULES = {
  /** `--max-old-space-size` suggested as this share of the container's memory limit. */
  heapShareOfLimit: 0.75,
  /** Intervals over which heap-after-full-GC growth is judged. */
  growthIntervals: 6,
  /** Growth over those intervals that warns: more than this fraction … */
  growthFraction: 0.2,
  /** … and more than this many bytes. */
  growthBytes: 16 * MiB,
  /**
   * Heap after full GC is judged only from this long after start: an app's caches, pools and
   * compiled code fill in its first minutes, and that growth is no leak (the demo app, at a 5 s
   * interval, read as "a leak is likely" within a minute before this rule).
   */
  growthWarmupMs: 10 * 60_000,
  /** Working set as a fraction of the limit that warns. */
  workingSetFraction: 0.9,
  /** At most one line of each kind per this many ms. */
  quietMs: HOUR_MS,
} as const;

/** How warnings are written and timed: injectable, so tests are deterministic. */
export interface WarningOutput {
  /** Writes one line (without newline). @default a write to stderr */
  readonly write: (line: string) => void;
  /** Milliseconds, monotonic enough for "once per hour". @default Date.now */
  readonly now: () => number;
}

type Kind = 'heapLimit' | 'heapGrowth' | 'workingSet';

/** `HMETRICS_WARNINGS=0` (or `false`, `no`, `off`) turns every container warning off. */
export function warningsEnabled(env: NodeJS.ProcessEnv = processEnv()): boolean {
  const value = env['HMETRICS_WARNINGS'];
  // Opt-out: unset or blank keeps them on, like any value isTruthy accepts.
  return value === undefined || value.trim() === '' || isTruthy(value);
}

/** When each kind last spoke: per process, so two samplers (report loop, OTLP loop) never both say it. */
const spoken = shared<Partial<Record<Kind, number>>>('container.warnings', () => ({}));

/**
 * The three container warnings: heap limit above the memory limit (checked at start), heap after
 * full GC growing, working set near the limit (checked each interval). Each kind says at most one
 * line per hour, verbose or not, unless `HMETRICS_WARNINGS=0`.
 */
export class ContainerWarnings {
  readonly #output: WarningOutput;
  readonly #enabled: boolean;
  /** Heap after full GC, one per interval, the newest last (at most growthIntervals + 1). */
  readonly #heapAfterGc: number[] = [];
  readonly #spoken: Partial<Record<Kind, number>>;
  readonly #startedAt: number;

  constructor(output: Partial<WarningOutput> = {}, enabled = warningsEnabled(), memory?: Partial<Record<Kind, number>>) {
    this.#output = { write: output.write ?? ((line) => process.stderr.write(`${line}\n`)), now: output.now ?? Date.now };
    this.#enabled = enabled;
    this.#spoken = memory ?? spoken;
    this.#startedAt = this.#output.now();
  }

  /** At start: the V8 heap limit against the container's memory limit. */
  checkHeapLimit(heapLimit: number, memoryLimit: number | null | undefined): void {
    if (memoryLimit == null || heapLimit <= memoryLimit) return;
    const suggested = Math.floor((memoryLimit * WARNING_RULES.heapShareOfLimit) / MiB);
    this.#say('heapLimit', `[hmetrics] warning: the V8 heap limit (${mib(heapLimit)} MiB) is above the container's memory limit (${mib(memoryLimit)} MiB): `
      + `the process can be killed or hit R14/R15 before V8 collects. Consider --max-old-space-size=${suggested} `
      + `(${WARNING_RULES.heapShareOfLimit * 100} % of the limit, leaving the rest for buffers, code, stacks and native memory). Silence with HMETRICS_WARNINGS=0.`);
  }

  /** Each interval: heap after the last full GC, and the working set against the limit. */
  checkInterval(heapAfterGc: number | undefined, workingSet: number | undefined, memoryLimit: number | null | undefined): void {
    if (heapAfterGc !== undefined && this.#output.now() - this.#startedAt >= WARNING_RULES.growthWarmupMs) {
      const window = this.#heapAfterGc;
      window.push(heapAfterGc);
      if (window.length > WARNING_RULES.growthIntervals + 1) window.shift();
      const first = window[0]!;
      const growth = heapAfterGc - first;
      if (window.length === WARNING_RULES.growthIntervals + 1 && window.every((bytes) => bytes >= first)
        && growth > WARNING_RULES.growthBytes && growth > first * WARNING_RULES.growthFraction) {
        this.#say('heapGrowth', `[hmetrics] warning: heap after full GC grew from ${mib(first)} to ${mib(heapAfterGc)} MiB over the last ${WARNING_RULES.growthIntervals} intervals `
          + `(more than ${WARNING_RULES.growthFraction * 100} % and ${mib(WARNING_RULES.growthBytes)} MiB): a leak is likely. Silence with HMETRICS_WARNINGS=0.`);
      }
    }
    if (workingSet !== undefined && memoryLimit != null && workingSet > memoryLimit * WARNING_RULES.workingSetFraction) {
      this.#say('workingSet', `[hmetrics] warning: the container's working set (${mib(workingSet)} MiB) is above ${WARNING_RULES.workingSetFraction * 100} % of its memory limit `
        + `(${mib(memoryLimit)} MiB): the OOM killer acts at the limit. Silence with HMETRICS_WARNINGS=0.`);
    }
  }

  #say(kind: Kind, line: string): void {
    if (!this.#enabled) return;
    const now = this.#output.now();
    const last = this.#spoken[kind];
    if (last !== undefined && now - last < WARNING_RULES.quietMs) return;
    this.#spoken[kind] = now;
    try {
      this.#output.write(line);
    } catch {
      // a closed stderr is not the app's problem
    }
  }
}

function mib(bytes: number): string {
  const value = bytes / MiB;
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}
