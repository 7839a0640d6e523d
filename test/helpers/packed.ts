import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
 * Runs `npm pack` (its prepack build included) on a copy of the worktree in a temporary
 * directory and returns the tarball's path. A copy, because prepack empties `dist/`, where the
 * running test suite lives. Call once per test file and remove `root` in `after()`.
 */
export async function packWorktree(): Promise<{ root: string; tarball: string }> {
  const root = mkdtempSync(join(tmpdir(), 'hmetrics-pack-'));
  const source = join(root, 'source');
  for (const entry of PACK_INPUTS) cpSync(join(PACKAGE_ROOT, entry), join(source, entry), { recursive: true });
  symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
  await run('npm', ['pack', '--silent', '--pack-destination', root], { cwd: source, env: cleanEnv() });
  const tarball = readdirSync(root).find((name) => name.endsWith('.tgz'));
  if (tarball === undefined) throw new Error('npm pack produced no tarball');
  return { root, tarball: join(root, tarball) };
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
