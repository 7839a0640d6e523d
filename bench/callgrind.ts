/**
 * Counting instructions with valgrind's callgrind: unlike seconds, the count repeats to about
 * 1 % for the same binary and inputs whatever else the shared machine is doing. Used by the
 * benches whose differences (a few %) are smaller than wall-clock noise here (±10 %).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/**
 * Like `countInstructions`, less what V8 spends on its random hash seed at isolate start (a
 * prime search, `detail::sprp`, whose length varies from run to run by up to ~10 M
 * instructions): a whole process's startup then repeats to about ±0.5 M instructions.
 */
export async function countStartupInstructions(args: readonly string[], options: { cwd: string; env: Record<string, string> }): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'hmetrics-callgrind-'));
  const out = join(dir, 'callgrind.out');
  try {
    const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env['PATH'] ?? '', ...options.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`node ${args.join(' ')} failed under callgrind (exit ${code}):\n${stderr.slice(-500)}`);
    const annotated = execFileSync('callgrind_annotate', ['--inclusive=no', out], { maxBuffer: 1 << 28 }).toString();
    const count = (pattern: RegExp): number => Number(pattern.exec(annotated)?.[1]?.replace(/,/g, '') ?? 0);
    const total = count(/^\s*([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS/m);
    if (total === 0) throw new Error(`no instruction count from callgrind_annotate for node ${args.join(' ')}`);
    return total - count(/^\s*([\d,]+) \([^)]*\)\s+\S*detail::sprp/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
