import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseArgs } from '../src/cli/args.js';
import { MAIN_USAGE, RECEIVE_USAGE } from '../src/cli/usage.js';
import { PACKAGE_ROOT, runNode } from './helpers/child.js';

const cli = (...args: string[]) => runNode({ args: ['dist/src/cli/main.js', ...args] });

test('parseArgs reads receive options in both --name value and --name=value forms', () => {
  assert.deepEqual(parseArgs(['receive']), { kind: 'receive', port: 8126, host: '127.0.0.1', json: false });
  assert.deepEqual(parseArgs(['receive', '--port', '0', '--host', '::1', '--json']), { kind: 'receive', port: 0, host: '::1', json: true });
  assert.deepEqual(parseArgs(['receive', '--port=9000', '--host=0.0.0.0']), { kind: 'receive', port: 9000, host: '0.0.0.0', json: false });
  assert.deepEqual(parseArgs(['receive', '--json', '--help']), { kind: 'help', text: 'receive' });
  assert.deepEqual(parseArgs(['help', 'receive']), { kind: 'help', text: 'receive' });
  assert.deepEqual(parseArgs([]), { kind: 'help', text: 'main' });
  assert.deepEqual(parseArgs(['-v']), { kind: 'version' });
});

test('parseArgs names what is wrong: unknown options and commands, bad values, stray arguments', () => {
  const message = (args: string[]) => {
    const parsed = parseArgs(args);
    assert.equal(parsed.kind, 'usage-error', args.join(' '));
    return parsed.kind === 'usage-error' ? parsed.message : '';
  };
  assert.equal(message(['receive', '--bogus']), 'unknown option "--bogus"');
  assert.equal(message(['--bogus']), 'unknown option "--bogus"');
  assert.equal(message(['serve']), 'unknown command "serve"');
  assert.equal(message(['help', 'serve']), 'unknown command "serve"');
  assert.equal(message(['receive', '--port', '70000']), 'Expected --port to be 0-65535, got 70000');
  assert.equal(message(['receive', '--port']), 'Expected --port to be 0-65535, got nothing');
  assert.equal(message(['receive', '--host', '--json']), 'Expected --host to be an address, got --json');
  assert.equal(message(['receive', '--json=yes']), 'unknown option "--json=yes"');
  assert.equal(message(['receive', 'extra']), 'unexpected argument "extra"');
});

test('`hmetrics --help`, `hmetrics receive --help` and `hmetrics help receive` print their usage and exit 0', async () => {
  for (const [args, usage] of [[['--help'], MAIN_USAGE], [['-h'], MAIN_USAGE], [[], MAIN_USAGE], [['receive', '--help'], RECEIVE_USAGE], [['help', 'receive'], RECEIVE_USAGE]] as const) {
    const result = await cli(...args);
    assert.equal(result.code, 0, args.join(' '));
    assert.equal(result.stdout, usage);
    assert.equal(result.stderr, '');
  }
});

test('`hmetrics --version` prints the package version and exits 0', async () => {
  const { version } = JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as { version: string };
  const result = await cli('--version');
  assert.equal(result.code, 0);
  assert.equal(result.stdout, `${version}\n`);
});

test('unknown options and commands print the message and the usage on stderr, exit 2', async () => {
  const option = await cli('receive', '--verbose');
  assert.equal(option.code, 2);
  assert.equal(option.stdout, '');
  assert.equal(option.stderr, `hmetrics: unknown option "--verbose"\n\n${RECEIVE_USAGE}`);
  const command = await cli('serve');
  assert.equal(command.code, 2);
  assert.equal(command.stderr, `hmetrics: unknown command "serve"\n\n${MAIN_USAGE}`);
  const port = await cli('receive', '--port', 'http');
  assert.equal(port.code, 2);
  assert.match(port.stderr, /^hmetrics: Expected --port to be 0-65535, got http\n\nUsage: hmetrics receive/);
});

test('docs/cli.md shows the help texts exactly as the CLI prints them, and both use HMETRICS_INTERVAL', () => {
  const docs = readFileSync(`${PACKAGE_ROOT}docs/cli.md`, 'utf8');
  assert.ok(docs.includes(MAIN_USAGE), 'docs/cli.md quotes `hmetrics --help`');
  assert.ok(docs.includes(RECEIVE_USAGE), 'docs/cli.md quotes `hmetrics receive --help`');
  assert.match(RECEIVE_USAGE, /HMETRICS_INTERVAL=5000/);
  assert.doesNotMatch(MAIN_USAGE + RECEIVE_USAGE, /METRICS_INTERVAL_OVERRIDE/);
});
