/**
 * The package as a user gets it: `npm pack` of the built worktree (or a tarball given with
 * `--tarball <file>`), unpacked into a scratch project's node_modules, with the dev peers
 * (prom-client …) linked from the worktree. Benches that spawn processes run there.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The value after `flag` on the command line, or undefined. */
export function argument(flag: string): string | undefined {
  const at = process.argv.indexOf(flag);
  return at === -1 ? undefined : process.argv[at + 1];
}

/** A scratch project with hmetrics installed from a tarball; `files` written into it. */
export function installedProject(files: Record<string, string>, tarball = argument('--tarball')): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'hmetrics-bench-'));
  let packed = tarball;
  if (packed === undefined) {
    // dist/ is already built (npm run bench builds): no prepack, which would rebuild it.
    execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, stdio: 'ignore' });
    packed = join(dir, readdirSync(dir).find((name) => name.endsWith('.tgz'))!);
  }
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  execFileSync('tar', ['xzf', packed, '-C', modules]);
  renameSync(join(modules, 'package'), join(modules, 'hmetrics'));
  for (const peer of ['prom-client']) symlinkSync(join(ROOT, 'node_modules', peer), join(modules, peer), 'dir');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The spread shown beside a median: the interquartile range. */
export const quartiles = (values: readonly number[]): [number, number] => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))]!;
  return [at(0.25), at(0.75)];
};

/**
 * Runs every variant `rounds` times, rotating which goes first each round (a slow spell of the
 * shared machine then lands on each variant alike), and returns each variant's results in order.
 */
export async function rotated<V, R>(variants: readonly V[], rounds: number, runOnce: (variant: V) => Promise<R>): Promise<R[][]> {
  const runs = variants.map((): R[] => []);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < variants.length; k++) {
      const i = (round + k) % variants.length;
      runs[i]!.push(await runOnce(variants[i]!));
    }
  }
  return runs;
}

/**
 * Child-process code that imports `Aggregator`, `createRuntimeSampler` and `flatten` from the
 * build `src` names, and defines `snapshot` (one runtime sample) and `body` (it flattened as the
 * Heroku sink sends it): the usual payload that the delivery and idle benches post.
 */
export function runtimeBodyCode(src: (path: string) => string): string {
  return `
const { Aggregator } = await import(${src('metrics/aggregator.js')});
const { createRuntimeSampler } = await import(${src('runtime/sampler.js')});
const { flatten } = await import(${src('sinks/flatten.js')});
const sampleAggregator = new Aggregator();
const bodySampler = createRuntimeSampler(); bodySampler.enable(); bodySampler.collect(sampleAggregator); bodySampler.disable();
const snapshot = sampleAggregator.swap();
const body = JSON.stringify(flatten(snapshot, [50, 95, 99]));
`;
}
