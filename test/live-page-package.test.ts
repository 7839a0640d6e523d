import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from './helpers/child.js';

test('the packed package carries the hmetrics command as one file, with the live page embedded', async () => {
  // --ignore-scripts: prepack would delete and rebuild dist/ under the running suite.
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PACKAGE_ROOT });
  const files = new Set((JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((file) => file.path));
  const bin = (JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as { bin: { hmetrics: string } }).bin.hmetrics;
  const binPath = bin.replace(/^\.\//, '');
  assert.ok(files.has(binPath), `${binPath} is packed`);
  const cli = readFileSync(`${PACKAGE_ROOT}${binPath}`, 'utf8');
  assert.ok(cli.startsWith('#!/usr/bin/env node'));
  // The live page's script, style and HTML travel inside the command's one file.
  assert.ok(cli.includes('<!doctype html>'), 'the page HTML is embedded');
  assert.ok(cli.includes("new EventSource('events')"), 'the page script is embedded');
});
