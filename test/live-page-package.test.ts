import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from './helpers/child.js';

test('the packed package carries the live page (embedded in dist/src/cli/live) and the hmetrics command', async () => {
  // --ignore-scripts: prepack would delete and rebuild dist/ under the running suite.
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PACKAGE_ROOT });
  const files = new Set((JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((file) => file.path));
  const live = readdirSync(`${PACKAGE_ROOT}dist/src/cli/live`).filter((name) => name.endsWith('.js'));
  assert.ok(live.includes('page-script.js') && live.includes('page-style.js') && live.includes('page-html.js'));
  for (const name of live) assert.ok(files.has(`dist/src/cli/live/${name}`), `${name} is packed`);
  assert.ok(files.has('dist/src/cli/main.js'));
});
