import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from './child.js';

const execFileAsync = promisify(execFile);

/**
 * Runs a command at low CPU priority: npm pack's build, tsc and Jest are heavy, and the test
 * files running beside them (concurrency 2) measure timing. Their children inherit it.
 */
function run(file: string, args: readonly string[], options: Parameters<typeof execFileAsync>[2] = {}): Promise<{ stdout: string; stderr: string }> {
  const running = execFileAsync(file, args, { ...options, encoding: 'utf8' });
  try {
    if (running.child.pid !== undefined) setPriority(running.child.pid, 15);
  } catch {
    // Not permitted here: run at normal priority.
  }
  return running as Promise<{ stdout: string; stderr: string }>;
}

/**
 * What `npm pack` reads from the worktree: the build inputs and the files it ships (`examples/`
 * ships as source and compiles with the rest; the maintainers' screenshot scripts that use test
 * helpers live in tools/, which the copy leaves out).
 */
const PACK_INPUTS = ['package.json', 'tsconfig.json', 'tsconfig.cjs.json', 'scripts', 'src', 'onload', 'docs', 'examples', 'README.md', 'LICENSE', 'CHANGELOG.md'];

/** The environment for npm and tsc children: the runner's, minus what `npm test` injects. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
}

// The tests that use these live in test/whole-package/, whose name sorts after every other
// test file: the runner starts files in path order, so these CPU-heavy ones (npm pack, tsc,
// Jest) run last instead of beside the timing tests.

/**
 * A fresh directory for one test file's scratch projects (remove it in `after()`), and the
 * tarball `npm pack` made of this worktree. The tarball is made once per test run and shared by
 * every file that asks (the runner's pid names it): packing builds the whole package, the
 * heaviest step of the suite.
 */
export async function packWorktree(): Promise<{ root: string; tarball: string }> {
  const root = mkdtempSync(join(tmpdir(), 'hmetrics-pack-'));
  return { root, tarball: await sharedTarball() };
}

const SHARED_PREFIX = 'hmetrics-pack-shared-';

/** One tarball per test run: the first file to ask packs it, the others wait for it. */
async function sharedTarball(): Promise<string> {
  removeStaleTarballs();
  const dir = join(tmpdir(), `${SHARED_PREFIX}${process.ppid}`);
  const done = join(dir, 'done.json');
  try {
    mkdirSync(dir);
  } catch {
    // Another file of this run is packing (or has packed): wait for its answer.
    const started = Date.now();
    while (!existsSync(done)) {
      if (Date.now() - started > 300_000) throw new Error('waited 5 min for the shared npm pack');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const answer = JSON.parse(readFileSync(done, 'utf8')) as { tarball?: string; error?: string };
    if (answer.tarball === undefined) throw new Error(`the shared npm pack failed: ${answer.error}`);
    return answer.tarball;
  }
  let answer: { tarball?: string; error?: string };
  try {
    answer = { tarball: await packInto(dir) };
  } catch (err) {
    answer = { error: String(err) };
  }
  writeFileSync(`${done}.tmp`, JSON.stringify(answer));
  renameSync(`${done}.tmp`, done); // atomic: a waiter never reads half an answer
  if (answer.tarball === undefined) throw new Error(`npm pack failed: ${answer.error}`);
  return answer.tarball;
}

/**
 * Runs `npm pack` (its prepack build included) on a copy of the worktree inside `dir`. A copy,
 * because prepack empties `dist/`, where the running test suite lives.
 */
async function packInto(dir: string): Promise<string> {
  const source = join(dir, 'source');
  for (const entry of PACK_INPUTS) cpSync(join(PACKAGE_ROOT, entry), join(source, entry), { recursive: true });
  symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
  await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: source, env: cleanEnv() });
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
  if (tarball === undefined) throw new Error('npm pack produced no tarball');
  rmSync(source, { recursive: true, force: true });
  return join(dir, tarball);
}

/** Shared tarballs of earlier runs whose runner has ended. */
function removeStaleTarballs(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(SHARED_PREFIX)) continue;
    const pid = Number(name.slice(SHARED_PREFIX.length));
    if (pid === process.ppid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

/**
 * A consumer project in `root/<name>`: the tarball unpacked as `node_modules/hmetrics` (as
 * `npm install` would leave it: the package has no dependencies), `@types` linked from the
 * worktree, and `files` written. Returns its directory.
 */
export async function scratchProject(root: string, tarball: string, name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  const modules = join(dir, 'node_modules');
  mkdirSync(modules, { recursive: true });
  await run('tar', ['xzf', tarball, '-C', modules]);
  renameSync(join(modules, 'package'), join(modules, 'hmetrics'));
  symlinkSync(join(PACKAGE_ROOT, 'node_modules', '@types'), join(modules, '@types'), 'dir');
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

/** Runs a dev-dependency CLI (tsc, jest) with node in `cwd`; never rejects: the exit code is in the result. */
export async function runTool(script: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(PACKAGE_ROOT, 'node_modules', script), ...args], {
      cwd, env: { ...cleanEnv(), ...env }, maxBuffer: 16 * 1024 * 1024, timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failure = err as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : 1, stdout: failure.stdout ?? '', stderr: `${failure.stderr ?? ''}${String(err)}` };
  }
}

/** Removes a directory made here. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
