import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { runNode } from './helpers/child.js';

const REPORTER = fileURLToPath(new URL('./quiet-reporter.js', import.meta.url));

const FIXTURES = {
  'green.test.mjs': `
import { test } from 'node:test';
test('adds', () => {});
test('subtracts', () => { console.log('chatter a green file prints'); });
test.skip('later', () => {});
`,
  'red.test.mjs': `
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
describe('payload', () => {
  test('keeps counters', () => {});
  test('carries the interval', () => { assert.equal(20000, 10000, 'interval mismatch'); });
});
`,
  'crash.test.mjs': `
import { test } from 'node:test';
console.error('about to fail at import');
throw new Error('boom at import');
`,
};

describe('quiet test reporter', () => {
  let dir = '';
  let stdout = '';
  let code: number | null = null;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hmetrics-reporter-'));
    for (const [name, text] of Object.entries(FIXTURES)) writeFileSync(join(dir, name), text);
    const result = await runNode({
      args: ['--test', '--test-concurrency=2', `--test-reporter=${REPORTER}`, '--test-reporter-destination=stdout', ...Object.keys(FIXTURES)],
      cwd: dir,
      limitMs: 30_000,
    });
    stdout = result.stdout;
    code = result.code;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('one line per file: a green file prints only its line, not its chatter', () => {
    assert.match(stdout, /^✔ green\.test\.mjs \(2 passed, 1 skipped, \d+ ms\)$/m);
    assert.match(stdout, /^✖ red\.test\.mjs \(1 passed, 1 failed, \d+ ms\)$/m);
    assert.match(stdout, /^✖ crash\.test\.mjs \(0 passed, 1 failed, \d+ ms\)$/m);
    assert.ok(!stdout.includes('chatter a green file prints'));
    assert.equal(code, 1);
  });

  test('a failing test is shown in full: its path, the assertion, expected and actual, the stack', () => {
    assert.match(stdout, /✖ payload › carries the interval\n/);
    assert.match(stdout, /AssertionError \[ERR_ASSERTION\]: interval mismatch/);
    assert.match(stdout, /actual: 20000/);
    assert.match(stdout, /expected: 10000/);
    assert.match(stdout, /at .*red\.test\.mjs:6:\d+/);
  });

  test('a file that crashes shows its own output', () => {
    assert.match(stdout, /output of crash\.test\.mjs:\n(.*\n)*.*about to fail at import/);
    assert.match(stdout, /Error: boom at import/);
  });

  test('the closing summary lines CI reads', () => {
    const summary = stdout.split('\n').filter((line) => line.startsWith('# '));
    assert.ok(summary.includes('# tests 6'), summary.join('\n'));
    assert.ok(summary.includes('# pass 3'), summary.join('\n'));
    assert.ok(summary.includes('# fail 2'), summary.join('\n'));
    assert.ok(summary.includes('# skipped 1'), summary.join('\n'));
  });
});
