import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from './helpers/child.js';

interface Manifest {
  main: string;
  types: string;
  bin: { hmetrics: string };
  exports: Record<string, string | Record<string, Record<string, string>>>;
}
const manifest = JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as Manifest;
const bare = (path: string): string => path.replace(/^\.\//, '');
let files = new Set<string>();

before(async () => {
  // --ignore-scripts: prepack would delete and rebuild dist/ under the running suite.
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PACKAGE_ROOT });
  files = new Set((JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((file) => file.path));
});

test('the packed package carries the hmetrics command as one file, with the live page embedded', () => {
  const binPath = bare(manifest.bin.hmetrics);
  assert.ok(files.has(binPath), `${binPath} is packed`);
  const cli = readFileSync(`${PACKAGE_ROOT}${binPath}`, 'utf8');
  assert.ok(cli.startsWith('#!/usr/bin/env node'));
  // The live page's script, style and HTML travel inside the command's one file.
  assert.ok(cli.includes('<!doctype html>'), 'the page HTML is embedded');
  assert.ok(cli.includes("new EventSource('events')"), 'the page script is embedded');
});

test('every file package.json points at is packed: the bundles, their source maps and the types', () => {
  const targets = [manifest.main, manifest.types];
  for (const entry of Object.values(manifest.exports)) {
    if (typeof entry === 'string') targets.push(entry);
    else for (const condition of Object.values(entry)) targets.push(...Object.values(condition));
  }
  for (const target of targets) {
    assert.ok(files.has(bare(target)), `${target} is packed`);
    if (target.endsWith('.mjs') || target.endsWith('.cjs')) assert.ok(files.has(`${bare(target)}.map`), `${target}.map is packed`);
  }
  // One file per entry (onload's area chunks are .cjs): no per-module JavaScript ships beside the bundles.
  assert.deepEqual([...files].filter((file) => /\.js$/.test(file)), []);
});
