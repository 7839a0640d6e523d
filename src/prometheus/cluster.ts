import type { Family } from './family.js';

/** IPC message types, tagged so that an app's own messages are never mistaken for ours. */
export const SCRAPE_MESSAGE = 'hmetrics:prometheus:scrape';
export const SAMPLES_MESSAGE = 'hmetrics:prometheus:samples';

interface ScrapeRequest { readonly type: typeof SCRAPE_MESSAGE; readonly id: number }
interface ScrapeAnswer { readonly type: typeof SAMPLES_MESSAGE; readonly id: number; readonly families: Family[] }

type Cluster = typeof import('node:cluster').default;
const cluster = (): Cluster => process.getBuiltinModule('node:cluster') as unknown as Cluster;

/** Node's internal module list: tells whether node:cluster was loaded without loading it. */
function loaded(module: string): boolean | undefined {
  return (process as { moduleLoadList?: readonly string[] }).moduleLoadList?.includes(`NativeModule ${module}`);
}

/**
 * True in a process forked by `cluster.fork()`. (Node deletes NODE_UNIQUE_ID during startup, so
 * ask the cluster module; a worker has it loaded already, anything else is spared loading it.)
 */
export function isClusterWorker(): boolean {
  if (typeof process.send !== 'function' || loaded('cluster') === false) return false;
  return cluster().isWorker;
}

let responding = false;

/**
 * In a cluster worker: answers the primary's scrape requests with this worker's families.
 * A cluster worker's IPC channel already keeps it alive, so the listener changes nothing there.
 */
export function answerPrimaryScrapes(families: () => Family[]): void {
  if (responding || !isClusterWorker()) return;
  responding = true;
  process.on('message', (message: unknown) => {
    const request = message as Partial<ScrapeRequest> | null;
    if (request?.type !== SCRAPE_MESSAGE || typeof request.id !== 'number') return;
    try {
      const answer: ScrapeAnswer = { type: SAMPLES_MESSAGE, id: request.id, families: families() };
      process.send?.(answer, undefined, undefined, () => undefined);
    } catch {
      // The primary gets no answer and times this worker out; the worker is unharmed.
    }
  });
}

/** One worker's answer. */
export interface WorkerFamilies { readonly worker: number; readonly families: readonly Family[] }

const waiting = new Map<number, (answer: ScrapeAnswer) => void>();
let nextId = 1;
let listening = false;

/**
 * In a cluster primary: asks every live worker for its families and resolves with the answers
 * that came within `timeout` ms (a dead, busy or hmetrics-less worker is simply left out).
 * Outside a primary with workers, resolves at once with none.
 */
export async function scrapeWorkers(timeout: number): Promise<WorkerFamilies[]> {
  // A process that never loaded node:cluster has no workers; checking costs nothing, loading it would.
  if (loaded('cluster') === false || isClusterWorker()) return [];
  const c = cluster();
  if (!c.isPrimary || c.workers === undefined) return [];
  const workers = Object.values(c.workers).filter((w): w is NonNullable<typeof w> => w !== undefined && w.isConnected() && !w.isDead());
  if (workers.length === 0) return [];
  if (!listening) {
    listening = true;
    c.on('message', (_worker, message: Partial<ScrapeAnswer> | null) => {
      if (message?.type !== SAMPLES_MESSAGE || typeof message.id !== 'number') return;
      waiting.get(message.id)?.(message as ScrapeAnswer);
    });
  }
  const answers = await Promise.all(workers.map((worker) => new Promise<WorkerFamilies | undefined>((resolve) => {
    const id = nextId++;
    const done = (answer?: ScrapeAnswer): void => {
      clearTimeout(timer);
      waiting.delete(id);
      resolve(answer && Array.isArray(answer.families) ? { worker: worker.id, families: answer.families } : undefined);
    };
    const timer = setTimeout(done, timeout);
    timer.unref();
    waiting.set(id, done);
    try {
      worker.send({ type: SCRAPE_MESSAGE, id } satisfies ScrapeRequest, undefined, (err: Error | null) => { if (err) done(); });
    } catch {
      done();
    }
  })));
  return answers.filter((a): a is WorkerFamilies => a !== undefined);
}

/**
 * Merges workers' families into the primary's: every worker sample gains a `worker="<id>"`
 * label (the cluster worker id), so a family holds the primary's series and one per worker,
 * and PromQL sums or compares them (`sum without (worker) (…)`). A worker family whose type
 * differs from the primary's of the same name is left out.
 */
export function mergeWorkers(families: Family[], workers: readonly WorkerFamilies[]): Family[] {
  const byName = new Map<string, Family>();
  for (const family of families) byName.set(family.name, family);
  for (const { worker, families: theirs } of workers) {
    const tag = `worker="${worker}"`;
    for (const family of theirs) {
      let mine = byName.get(family.name);
      if (mine === undefined) {
        mine = { name: family.name, type: family.type, help: family.help, samples: [] };
        byName.set(family.name, mine);
        families.push(mine);
      } else if (mine.type !== family.type) {
        continue;
      }
      for (const sample of family.samples) {
        mine.samples.push({ suffix: sample.suffix, labels: sample.labels === '' ? tag : `${tag},${sample.labels}`,
          // JSON carries NaN and ±Inf as null.
          value: typeof sample.value === 'number' ? sample.value : Number.NaN });
      }
    }
  }
  return families;
}
