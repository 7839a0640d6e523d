import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PACKAGE_ROOT } from './helpers/child.js';

/**
 * `src/metrics/` is the bottom layer: it imports built-ins, its own files, the process-wide
 * state helper and the verbose log (a refusal is told once per key), nothing above (before: the
 * aggregator imported topology's thread forwarder).
 * Static imports and lazy `load()` / `import()` calls alike.
 */
test('src/metrics imports nothing above it', () => {
  const dir = join(PACKAGE_ROOT, 'src', 'metrics');
  const upward: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const match of text.matchAll(/(?:from\s+|import\(\s*|load\(\s*)'([^']+)'/g)) {
      const target = match[1]!;
      if (target.startsWith('node:') || target.startsWith('./') || target === '../util/global-state.js' || target === '../util/debug.js') continue;
      upward.push(`${file} → ${target}`);
    }
  }
  assert.deepEqual(upward, []);
});
