/**
 * The documentation works where users read it: in the installed package. Every relative link in
 * README.md and docs/*.md must name a file the packed package contains, and every Markdown file
 * must close each code fence it opens (an unclosed fence swallows the rest of the page).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from './helpers/child.js';

const MARKDOWN = ['README.md', ...readdirSync(`${PACKAGE_ROOT}docs`).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Link targets: `[text](target)`, `![alt](target)`, `<img src="target">`, and `[ref]: target` definitions. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, ''); // links inside code are code
  const targets: string[] = [];
  for (const m of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) targets.push(m[1]!);
  for (const m of prose.matchAll(/<img[^>]*\ssrc="([^"]+)"/g)) targets.push(m[1]!);
  for (const m of prose.matchAll(/^\[[^\]]+\]:\s*(\S+)/gm)) targets.push(m[1]!);
  return targets;
}

function isRelative(target: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#') && !target.startsWith('//');
}

test('every relative link in README.md and docs/*.md names a file the packed package ships', async () => {
  // --ignore-scripts: prepack would empty dist/, where this suite runs; the listing is the same.
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PACKAGE_ROOT, encoding: 'utf8' });
  const [listing] = JSON.parse(stdout) as [{ files: { path: string }[] }];
  const shipped = new Set(listing.files.map((f) => f.path));
  let checked = 0;
  const dead: string[] = [];
  for (const file of MARKDOWN) {
    assert.ok(shipped.has(file), `${file} is shipped`);
    for (const target of linkTargets(readFileSync(`${PACKAGE_ROOT}${file}`, 'utf8')).filter(isRelative)) {
      const path = posix.normalize(posix.join(posix.dirname(file), decodeURIComponent(target.split('#')[0]!)));
      checked++;
      if (!shipped.has(path)) dead.push(`${file} → ${target}`);
    }
  }
  assert.deepEqual(dead, [], 'links to files the package does not ship');
  assert.ok(checked >= 20, `only ${checked} relative links found: the link pattern is broken`);
});

test('every Markdown file closes each code fence it opens, and never opens two in a row', () => {
  for (const file of MARKDOWN) {
    const lines = readFileSync(`${PACKAGE_ROOT}${file}`, 'utf8').split('\n');
    let open: number | undefined;
    lines.forEach((line, i) => {
      if (!/^\s*```/.test(line)) return;
      if (open === undefined) {
        open = i + 1;
      } else {
        // A fence closes with bare backticks; an info string here means a second opening fence.
        assert.match(line.trim(), /^```+$/, `${file}:${i + 1} opens a code fence inside the one opened at line ${open}`);
        open = undefined;
      }
    });
    assert.equal(open, undefined, `${file}: the code fence opened at line ${open} is never closed`);
  }
});
