import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PACKAGE_ROOT } from './helpers/child.js';
import { cycles, sourceGraph } from './helpers/import-graph.js';

// Import cycles over static imports and lazy loads together (issue 16: layers point one way).
// The cycles below exist today and are listed so that none is added; remove an entry when its
// cycle is broken (the test then insists it stays broken).
const KNOWN: readonly string[] = [];

test('src has no import cycles beyond the known ones (static imports and lazy loads)', () => {
  const found = cycles(sourceGraph(`${PACKAGE_ROOT}src`)).map((component) => component.join(' ⇄ '));
  if (process.env['HMETRICS_PRINT_CYCLES']) console.log(found.join('\n'));
  assert.deepEqual(found.filter((cycle) => !KNOWN.includes(cycle)), [], 'new import cycles');
  assert.deepEqual(KNOWN.filter((cycle) => !found.includes(cycle)), [], 'known cycles that are gone: remove them from KNOWN');
});

test('the graph sees static imports, re-exports and lazy loads', () => {
  const graph = sourceGraph(`${PACKAGE_ROOT}src`);
  assert.ok(graph.get('loop/report.ts')?.has('loop/report-loop.ts'), 'a static import');
  assert.ok(graph.get('startup/supervisor.ts')?.has('loop/report.ts'), 'a lazy load');
  assert.ok(!graph.get('startup/supervisor.ts')?.has('lazy.ts') || graph.get('startup/supervisor.ts')?.has('loop/report.ts'));
  assert.ok(graph.get('index.ts')!.size > 5, 'the re-exports of the public API');
});
