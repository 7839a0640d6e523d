import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { PACKAGE_ROOT } from './helpers/child.js';
import { lazy } from '../src/lazy.js';
import { builtin } from '../src/util/builtin.js';

// Every lazily loaded module goes through src/lazy.ts. A wrong path there used to fail only at
// run time, where onload's area starter swallowed the error and the feature stayed off.

test('every entry of the lazy table loads in the ESM build', () => {
  const names = Object.keys(lazy) as (keyof typeof lazy)[];
  assert.ok(names.length >= 10);
  for (const name of names) {
    const module = lazy[name]() as object;
    assert.ok(Object.keys(module).length > 0, `${name} has exports`);
  }
});

test('every entry of the lazy table loads in the CommonJS build', () => {
  const require = createRequire(import.meta.url);
  const cjs = require(`${PACKAGE_ROOT}dist/cjs/src/lazy.js`) as { lazy: Record<string, () => object> };
  assert.deepEqual(Object.keys(cjs.lazy), Object.keys(lazy));
  for (const [name, load] of Object.entries(cjs.lazy)) {
    assert.ok(Object.keys(load()).length > 0, `${name} has exports`);
  }
});

test('each entry loads the module its type names (the bundle build rewrites the first path)', () => {
  const source = readFileSync(`${PACKAGE_ROOT}src/lazy.ts`, 'utf8');
  const entries = [...source.matchAll(/^\s+(\w+): \(\) => load\('([^']+)'\) as typeof import\('([^']+)'\),$/gm)];
  assert.equal(entries.length, Object.keys(lazy).length, 'every entry has the one form the build rewrites');
  for (const [, name, path, typePath] of entries) assert.equal(path, typePath, `${name}: load path and type path`);
});

test('built-ins come from process.getBuiltinModule', () => {
  assert.equal(typeof builtin('node:cluster').isPrimary, 'boolean');
  assert.equal(typeof builtin('node:worker_threads').isMainThread, 'boolean');
});
