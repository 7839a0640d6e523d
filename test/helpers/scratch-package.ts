import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT, type ChildResult } from './child.js';

/** A throwaway app directory whose node_modules/hmetrics links to this package, as an install would. */
export interface ScratchPackage {
  readonly dir: string;
  /** Environment for npm/npx that keeps them off the network and out of the real home. */
  readonly npmEnv: Record<string, string>;
  remove(): void;
}

/**
 * Creates `package.json` (`start` is `node app.js`, bin `scratch-app` is app.js) and the given
 * files. `app.js` is made executable with a node shebang so npx can run it as a bin.
 */
export function createScratchPackage(files: Record<string, string>): ScratchPackage {
  const dir = mkdtempSync(join(tmpdir(), 'hmetrics-scratch-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    name: 'scratch-app', version: '1.0.0', private: true,
    bin: { 'scratch-app': 'app.js' }, scripts: { start: 'node app.js' },
  }, null, 2));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  chmodSync(join(dir, 'app.js'), 0o755);
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(PACKAGE_ROOT, join(dir, 'node_modules', 'hmetrics'), 'dir');
  const home = join(dir, '.home');
  mkdirSync(home);
  return {
    dir,
    npmEnv: {
      HOME: home,
      npm_config_cache: join(home, 'npm-cache'),
      npm_config_offline: 'true',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
      npm_config_loglevel: 'error',
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs a command (found on PATH) in `cwd` with only PATH and `env`; kills it past `limitMs`. */
export function runCommand(command: string, args: readonly string[], cwd: string, env: Record<string, string>, limitMs = 30_000): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killedByTest = false;
    child.stdout.setEncoding('utf8').on('data', (text: string) => { stdout += text; });
    child.stderr.setEncoding('utf8').on('data', (text: string) => { stderr += text; });
    const limit = setTimeout(() => { killedByTest = true; child.kill('SIGKILL'); }, limitMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      resolve({ code, signal, stdout, stderr, killedByTest });
    });
  });
}
