import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The package root (dist/test/helpers → ../../..), so `hmetrics/onload` resolves by self-reference. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly killedByTest: boolean;
}

export interface ChildOptions {
  /** Node flags and arguments, e.g. ['--import', 'hmetrics/onload', '-e', 'code']. */
  readonly args: readonly string[];
  /** The child's whole environment besides PATH: nothing leaks in from the test runner. */
  readonly env?: Record<string, string>;
  /** Kill the child if it has not exited by then (real ms): a child that hangs is a failure. */
  readonly limitMs?: number;
  /** Called with each chunk of stdout; lets a test act on what the child prints. */
  readonly onStdout?: (text: string, child: import('node:child_process').ChildProcess) => void;
  /** Called with each chunk of stderr. */
  readonly onStderr?: (text: string) => void;
  /**
   * Given, the child's stdin stays open until the test writes its last text through `write`
   * (an app can wait on it); otherwise stdin is closed at once.
   */
  readonly onSpawn?: (write: (text: string) => void) => void;
  /** Working directory, e.g. a scratch consumer project. @default the package root */
  readonly cwd?: string;
}

/** Runs `node …` in a clean environment and collects what it printed and how it ended. */
export function runNode(options: ChildOptions): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...options.args], {
      cwd: options.cwd ?? PACKAGE_ROOT,
      env: { PATH: process.env['PATH'] ?? '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (options.onSpawn) options.onSpawn((text) => child.stdin.end(text));
    else child.stdin.end();
    let stdout = '';
    let stderr = '';
    let killedByTest = false;
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      options.onStdout?.(text, child);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      options.onStderr?.(text);
    });
    const limit = setTimeout(() => { killedByTest = true; child.kill('SIGKILL'); }, options.limitMs ?? 15_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      resolve({ code, signal, stdout, stderr, killedByTest });
    });
  });
}
