/**
 * Counting instructions with valgrind's callgrind: unlike seconds, the count repeats to about
 * 1 % for the same binary and inputs whatever else the shared machine is doing. Used by the
 * benches whose differences (a few %) are smaller than wall-clock noise here (±10 %).
 */
import { spawn, spawnSync } from 'node:child_process';

/** True when valgrind can be run; benches print a skip line otherwise. */
export function hasCallgrind(): boolean {
  return spawnSync('valgrind', ['--version']).status === 0;
}

/** Instructions executed by `node <args>` under callgrind (asynchronous: in-process servers keep answering). */
export async function countInstructions(args: readonly string[], options: { cwd: string; env: Record<string, string> }): Promise<number> {
  const child = spawn('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env['PATH'] ?? '', ...options.env },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const match = /Collected : (\d+)/.exec(stderr);
  if (!match) throw new Error(`no instruction count from callgrind (exit ${code}):\n${stderr.slice(-500)}`);
  return Number(match[1]);
}
