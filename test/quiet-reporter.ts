import { relative } from 'node:path';
import { inspect } from 'node:util';

// `npm test`'s reporter: one line per test file, every failure in full (test path, assertion,
// expected and actual, stack, and the file's own output), then the closing summary lines CI
// reads (`# tests N`, `# pass N`, `# fail N` …). The default TAP reporter printed about 2 000
// lines for a green run, where a failure was hard to find.

interface TestEventData {
  readonly name?: string;
  readonly nesting?: number;
  readonly file?: string;
  readonly message?: string;
  readonly skip?: unknown;
  readonly todo?: unknown;
  readonly details?: { readonly duration_ms?: number; readonly type?: string; readonly error?: unknown; readonly passed?: boolean };
}
interface TestEvent {
  readonly type: string;
  readonly data: TestEventData;
}

/** What one file has reported so far. */
interface FileState {
  path: string[];
  passed: number;
  failed: number;
  skipped: number;
  /** The runner has reported all of this file's results (it moved on to another file). */
  reported: boolean;
  /** The file's own completion (process exit), which may arrive before its tests are reported. */
  completed: { durationMs: number; passed: boolean } | undefined;
  output: string;
  failures: string[];
}

/** Events the runner emits in reporting order, one file after another. */
const REPORTING_ORDER = new Set(['test:start', 'test:pass', 'test:fail', 'test:plan']);

/** Output a failing file printed, at most this many characters (its end, where the error is). */
const OUTPUT_LIMIT = 8_000;

/**
 * With concurrency, a file's events arrive in two orders: its completion when its process
 * exits (test:complete, test:enqueue …), its results when the runner reports them (test:start,
 * test:pass, test:fail, test:plan), one file after another, sometimes well after the exit. A
 * file's line is printed once both are in: it completed, and the report moved on to another
 * file (or ended).
 */
export default async function* quietReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const files = new Map<string, FileState>();
  const done = new Set<string>();
  let reporting: string | undefined;
  const finished = function* (file: string): Generator<string> {
    const state = files.get(file);
    if (state === undefined || state.completed === undefined || !state.reported) return;
    yield fileLine(file, state);
    files.delete(file);
    done.add(file);
  };
  const stateOf = (file: string): FileState => {
    let state = files.get(file);
    if (state === undefined) {
      state = { path: [], passed: 0, failed: 0, skipped: 0, reported: false, completed: undefined, output: '', failures: [] };
      files.set(file, state);
    }
    return state;
  };

  for await (const { type, data } of source) {
    const file = data.file;
    if (type === 'test:diagnostic') {
      // Per-test diagnostics are noise here; the run's closing summary is what CI reads.
      if (data.nesting === 0 && file === undefined) yield `# ${data.message ?? ''}\n`;
      continue;
    }
    if (file === undefined) {
      // The run's closing plan: every file's results are in.
      if (type === 'test:plan') for (const state of files.values()) state.reported = true;
      for (const name of [...files.keys()]) yield* finished(name);
      continue;
    }
    const isFile = data.name === file;
    const isSuite = data.details?.type === 'suite';
    if (REPORTING_ORDER.has(type) && reporting !== file) {
      const previous = reporting;
      reporting = file;
      if (previous !== undefined && files.has(previous)) {
        files.get(previous)!.reported = true;
        yield* finished(previous);
      }
    }
    if (done.has(file)) {
      // Reported after the file's line: a failure is still shown in full.
      if (type === 'test:fail' && !isFile && !(isSuite && !hasOwnError(data))) yield describeFailure([relativeName(file), data.name ?? ''], data);
      continue;
    }
    const state = stateOf(file);
    const nesting = data.nesting ?? 0;
    switch (type) {
      case 'test:stdout':
      case 'test:stderr':
        state.output = (state.output + (data.message ?? '')).slice(-OUTPUT_LIMIT);
        break;
      case 'test:start':
        if (!isFile) state.path[nesting] = data.name ?? '';
        break;
      case 'test:pass':
        if (isFile || isSuite) break;
        if (data.skip !== undefined || data.todo !== undefined) state.skipped++;
        else state.passed++;
        break;
      case 'test:fail':
        // The file's own result is read from its test:complete. A suite fails because a test
        // in it did, already told, unless a hook of its own threw.
        if (isFile || (isSuite && !hasOwnError(data))) break;
        state.failed++;
        state.failures.push(describeFailure([...state.path.slice(0, nesting), data.name ?? ''], data));
        break;
      case 'test:complete':
        if (isFile) state.completed = { durationMs: data.details?.duration_ms ?? 0, passed: data.details?.passed !== false };
        break;
    }
    yield* finished(file);
  }
  // A file whose tests were not all reported (the run was cut short) is still named.
  for (const [file, state] of files) yield fileLine(file, state);
}

function fileLine(file: string, state: FileState): string {
  if (state.completed?.passed === false && state.failed === 0) {
    // The file failed with no failing test: it crashed or exited early; its output says why.
    state.failed++;
    state.failures.push(`\n  ✖ the file itself: it crashed or exited early (see its output)\n`);
  }
  const name = relativeName(file);
  const counts = `${state.passed} passed${state.failed ? `, ${state.failed} failed` : ''}${state.skipped ? `, ${state.skipped} skipped` : ''}`;
  const line = `${state.failed ? '✖' : '✔'} ${name} (${counts}, ${Math.round(state.completed?.durationMs ?? 0)} ms)\n`;
  if (state.failed === 0) return line;
  const output = state.output.trim() ? `\n  output of ${name}:\n${indent(state.output.trimEnd(), '    ')}\n` : '';
  return `${line}${state.failures.join('')}${output}\n`;
}

function relativeName(file: string): string {
  return relative(process.cwd(), file) || file;
}

/** A suite fails on its own (a hook threw) when its error is not just "N subtests failed". */
function hasOwnError(data: TestEventData): boolean {
  const error = data.details?.error as { failureType?: string } | undefined;
  return error !== undefined && error.failureType !== 'subtestsFailed';
}

function describeFailure(path: readonly string[], data: TestEventData): string {
  const error = data.details?.error as { cause?: unknown } | undefined;
  // The runner wraps what the test threw; the cause carries the assertion and its stack.
  const thrown = error?.cause ?? error;
  const text = inspect(thrown, { depth: 6, colors: false, breakLength: 100 });
  return `\n  ✖ ${path.filter(Boolean).join(' › ')}\n${indent(text, '    ')}\n`;
}

function indent(text: string, prefix: string): string {
  return text.split('\n').map((line) => prefix + line).join('\n');
}
