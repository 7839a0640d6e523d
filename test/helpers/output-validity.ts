/**
 * The checks of the output property test (test/output-validity.test.ts, test/soak/): each case's
 * outputs go to parsers we did not write (Python's prometheus_client, protobuf classes protoc
 * generates from the official OTLP .proto files, promtool, the real Etsy statsd), then the
 * data-model rules run on what they parsed.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Family } from '../../src/prometheus/family.js';
import { render } from '../../src/prometheus/format.js';
import { PACKAGE_ROOT } from './child.js';
import type { EtsyStatsd } from './etsy-statsd.js';
import { renderCase, type Case, type Op, type Rendered } from './output-cases.js';

export { generateCase, type Case } from './output-cases.js';

/** Why an oracle cannot run here, or undefined when it can. */
export function missingTools(): string | undefined {
  const python = spawnSync('/usr/bin/python3', ['-c', 'import prometheus_client.openmetrics.parser, google.protobuf'], { encoding: 'utf8' });
  if (python.status !== 0) return 'needs /usr/bin/python3 with prometheus_client and protobuf (Debian: python3-prometheus-client python3-protobuf)';
  if (spawnSync('protoc', ['--version']).status !== 0) return 'needs protoc (Debian: protobuf-compiler)';
  if (spawnSync('promtool', ['--version']).status !== 0) return 'needs promtool (Debian: prometheus)';
  return undefined;
}

/** Compiles the official .proto files (test/proto) to Python once; returns the directory. */
export function compileProtos(): string {
  const out = mkdtempSync(join(tmpdir(), 'hmetrics-otlp-py-'));
  const root = join(PACKAGE_ROOT, 'test', 'proto');
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.proto')) files.push(relative(root, path));
    }
  };
  walk(root);
  const result = spawnSync('protoc', [`--python_out=${out}`, ...files], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`protoc failed: ${result.stderr}`);
  return out;
}

interface OracleResult { readonly id: string; readonly ok: boolean; readonly error?: string; readonly parsed?: unknown }

/** Runs one Python process over every item; results by id. */
async function runPython(items: readonly { id: string; kind: string; data: unknown }[], pythonPath: string): Promise<Map<string, OracleResult>> {
  const child = spawn('/usr/bin/python3', [join(PACKAGE_ROOT, 'test', 'oracles', 'validate.py')], { env: { ...process.env, PYTHONPATH: pythonPath }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  child.stdin.on('error', () => {}); // a parser that dies early reports through its exit code
  child.stdin.end(items.map((item) => JSON.stringify(item)).join('\n') + '\n');
  const code = await done;
  if (code !== 0) throw new Error(`validate.py exited ${code}: ${stderr.slice(0, 2000)}`);
  const results = new Map<string, OracleResult>();
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const result = JSON.parse(line) as OracleResult;
    results.set(result.id, result);
  }
  return results;
}

/**
 * promtool over every case's text exposition at once: each case's families get a `cN_` prefix
 * (valid names stay valid), so one exposition holds the batch. Exit 3 means lint advice only
 * (camelCase user names, a gauge ending in `_total`); 1 is a parse error.
 */
async function runPromtool(batch: readonly Family[][]): Promise<string | undefined> {
  const families: Family[] = [];
  batch.forEach((list, i) => {
    for (const family of list) families.push({ ...family, name: `c${i}_${family.name}` });
  });
  const child = execFile('promtool', ['check', 'metrics'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const done = new Promise<{ code: number | null; output: string }>((resolve) => {
    let output = '';
    child.stdout!.on('data', (c: string) => (output += c));
    child.stderr!.on('data', (c: string) => (output += c));
    child.on('close', (code) => resolve({ code, output }));
  });
  child.stdin!.on('error', () => {}); // promtool stops reading at its first parse error
  child.stdin!.end(render(families, 'text'));
  const { code, output } = await done;
  if (code === 0 || code === 3) {
    const notLint = output.split('\n').filter((l) => l !== '' && !/should|must not have|is not a base unit|Metric: /.test(l));
    return notLint.length === 0 ? undefined : `promtool: ${notLint.slice(0, 3).join(' | ')}`;
  }
  const clean = output.replace(/\bc(\d+)_/g, 'case $1: ');
  return `promtool exit ${code}: ${clean.slice(0, 500)}`;
}

// ---------------------------------------------------------------------------------------------
// Data-model rules on parsed outputs

const OTLP_NAME = /^[A-Za-z][A-Za-z0-9_.\-/]{0,254}$/;
const PROMETHEUS_NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/;
const COUNTER_LIKE = /_(total|count|bucket|sum)$/;

type Sample = [family: string, type: string, name: string, labels: Record<string, string>, value: number | string];

function checkPrometheus(format: string, scrapes: Sample[][]): string | undefined {
  const before = new Map<string, number>();
  for (const [i, samples] of scrapes.entries()) {
    for (const [family, type, name, labels, value] of samples) {
      if (!PROMETHEUS_NAME.test(family)) return `${format} scrape ${i + 1}: family name ${JSON.stringify(family)} is not [a-zA-Z][a-zA-Z0-9_]*`;
      if (typeof value !== 'number') return `${format} scrape ${i + 1}: ${name} is ${value}`;
      if ((type !== 'counter' && type !== 'histogram') || !COUNTER_LIKE.test(name.slice(family.length - (type === 'counter' && family.endsWith('_total') ? 6 : 0)))) continue;
      const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
      const previous = before.get(key);
      if (previous !== undefined && value < previous) return `${format}: counter-like ${name} fell from ${previous} to ${value}`;
      if (value < 0) return `${format}: counter-like ${name} is negative (${value})`;
      before.set(key, value);
    }
  }
  return undefined;
}

interface OtlpPoint { attributes?: { key: string; value: unknown }[]; startTimeUnixNano?: string; timeUnixNano?: string; asDouble?: number | string; asInt?: string; count?: string; sum?: number | string; min?: number | string; max?: number | string; bucketCounts?: string[]; explicitBounds?: number[] }
interface OtlpMetricDict { name: string; gauge?: { dataPoints?: OtlpPoint[] }; sum?: { dataPoints?: OtlpPoint[]; isMonotonic?: boolean; aggregationTemporality?: string }; histogram?: { dataPoints?: OtlpPoint[]; aggregationTemporality?: string } }
interface RequestDict { resourceMetrics?: { scopeMetrics?: { metrics?: OtlpMetricDict[] }[] }[] }

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function near(a: number, b: number): boolean {
  return a <= b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** The OTLP data model's rules on every point, and monotonic sums across exports. */
function checkOtlp(label: string, exports: RequestDict[]): string | undefined {
  const previous = new Map<string, number>();
  for (const [i, request] of exports.entries()) {
    const where = `${label} export ${i + 1}`;
    const metrics = (request.resourceMetrics ?? []).flatMap((r) => (r.scopeMetrics ?? []).flatMap((s) => s.metrics ?? []));
    const names = new Set<string>();
    for (const metric of metrics) {
      if (!OTLP_NAME.test(metric.name)) return `${where}: metric name ${JSON.stringify(metric.name)} is not a valid instrument name`;
      if (names.has(metric.name)) return `${where}: two metrics named ${metric.name}`;
      names.add(metric.name);
      const points = metric.gauge?.dataPoints ?? metric.sum?.dataPoints ?? metric.histogram?.dataPoints ?? [];
      const attributeSets = new Set<string>();
      for (const point of points) {
        const attrs = JSON.stringify((point.attributes ?? []).map((a) => [a.key, a.value]).sort());
        if (attributeSets.has(attrs)) return `${where}: ${metric.name} has two points with attributes ${attrs}`;
        attributeSets.add(attrs);
        if (BigInt(point.startTimeUnixNano ?? '0') > BigInt(point.timeUnixNano ?? '0')) return `${where}: ${metric.name} starts after its time`;
        const key = `${metric.name}${attrs}`;
        if (metric.histogram) {
          const count = Number(point.count ?? '0');
          const buckets = (point.bucketCounts ?? []).map(Number);
          const bounds = point.explicitBounds ?? [];
          if (buckets.length !== bounds.length + 1) return `${where}: ${metric.name} has ${buckets.length} buckets for ${bounds.length} bounds`;
          if (buckets.reduce((a, b) => a + b, 0) !== count) return `${where}: ${metric.name} buckets add up to ${buckets.reduce((a, b) => a + b, 0)}, count is ${count}`;
          if (bounds.some((b, j) => j > 0 && !(b > bounds[j - 1]!))) return `${where}: ${metric.name} bounds not increasing`;
          if (count > 0) {
            const { sum, min, max } = point;
            if (!finite(sum) || !finite(min) || !finite(max)) return `${where}: ${metric.name} sum/min/max not finite: ${sum} ${min} ${max}`;
            const mean = sum / count;
            if (!near(min, mean) || !near(mean, max)) return `${where}: ${metric.name} min ${min} ≤ mean ${mean} ≤ max ${max} fails (sum ${sum}, count ${count})`;
            if (sum < 0) return `${where}: ${metric.name} sum is negative`;
          }
          if (metric.histogram.aggregationTemporality === 'AGGREGATION_TEMPORALITY_CUMULATIVE') {
            if (count < (previous.get(key) ?? 0)) return `${where}: cumulative histogram ${metric.name} count fell`;
            previous.set(key, count);
          }
          continue;
        }
        const value = point.asDouble ?? (point.asInt !== undefined ? Number(point.asInt) : 0);
        if (!finite(value)) return `${where}: ${metric.name} value ${value} is not finite`;
        if (metric.sum?.isMonotonic) {
          if (metric.sum.aggregationTemporality === 'AGGREGATION_TEMPORALITY_DELTA') {
            if (value < 0) return `${where}: monotonic delta sum ${metric.name} has a negative point ${value}`;
          } else {
            const before = previous.get(key);
            if (before !== undefined && value < before) return `${where}: monotonic cumulative sum ${metric.name} fell from ${before} to ${value}`;
            previous.set(key, value);
          }
        }
      }
    }
  }
  return undefined;
}

function checkHeroku(payloads: readonly string[]): string | undefined {
  for (const payload of payloads) {
    const parsed = JSON.parse(payload) as { counters: Record<string, unknown>; gauges: Record<string, unknown> };
    for (const group of [parsed.counters, parsed.gauges]) {
      for (const [name, value] of Object.entries(group)) {
        if (!/^[A-Za-z0-9_.-]+$/.test(name)) return `heroku: name ${JSON.stringify(name)} is not [A-Za-z0-9_.-]+`;
        if (!finite(value)) return `heroku: ${name} is ${String(value)}`;
      }
    }
  }
  return undefined;
}

/** The first finding of each failing case, by case index. */
export async function validate(cases: readonly Case[], pythonPath: string, etsy?: EtsyStatsd): Promise<Map<number, string>> {
  const failures = new Map<number, string>();
  const fail = (i: number, why: string): void => {
    if (!failures.has(i)) failures.set(i, why);
  };
  const rendered: Rendered[] = [];
  for (const [i, input] of cases.entries()) {
    try {
      rendered.push(renderCase(input));
    } catch (error) {
      fail(i, `rendering threw: ${(error as Error).stack}`);
      rendered.push({ openmetrics: [], text: [], textFamilies: [], otlp: [], statsd: [], heroku: [] });
    }
  }
  const items: { id: string; kind: string; data: unknown }[] = [];
  rendered.forEach((r, i) => {
    r.openmetrics.forEach((data, j) => items.push({ id: `${i}/openmetrics/${j}`, kind: 'openmetrics', data }));
    r.text.forEach((data, j) => items.push({ id: `${i}/text/${j}`, kind: 'text', data }));
    for (const o of r.otlp) {
      o.proto.forEach((data, j) => items.push({ id: `${i}/otlp-${o.temporality}/${j}`, kind: 'otlp', data: { proto: Buffer.from(data).toString('base64'), json: o.json[j] } }));
    }
  });
  const [results, promtool] = await Promise.all([runPython(items, pythonPath), runPromtool(rendered.flatMap((r) => [r.textFamilies[1] ?? []]))]);
  rendered.forEach((r, i) => {
    const parsed = (kind: string, n: number): unknown[] => {
      const out: unknown[] = [];
      for (let j = 0; j < n; j++) {
        const result = results.get(`${i}/${kind}/${j}`);
        if (result === undefined) fail(i, `${kind} ${j + 1}: no answer from the parser`);
        else if (!result.ok) fail(i, `${kind} ${j + 1} rejected by the independent parser: ${result.error}`);
        else out.push(result.parsed);
      }
      return out;
    };
    for (const format of ['openmetrics', 'text'] as const) {
      const scrapes = parsed(format, r[format].length) as Sample[][];
      const why = scrapes.length === r[format].length ? checkPrometheus(format, scrapes) : undefined;
      if (why) fail(i, why);
    }
    for (const o of r.otlp) {
      const exports = parsed(`otlp-${o.temporality}`, o.proto.length) as RequestDict[];
      const why = exports.length === o.proto.length ? checkOtlp(`otlp ${o.temporality}`, exports) : undefined;
      if (why) fail(i, why);
    }
    const why = checkHeroku(r.heroku);
    if (why) fail(i, why);
  });
  if (promtool !== undefined) {
    const match = /case (\d+)/.exec(promtool);
    fail(match ? Number(match[1]) : 0, promtool);
  }
  if (etsy !== undefined) {
    const why = await throughEtsy(etsy, rendered.flatMap((r) => r.statsd));
    if (why !== undefined) {
      // Etsy says only how many lines were bad, not which: find the case by sending each alone.
      for (const [i, r] of rendered.entries()) {
        if (r.statsd.length > 0 && (await throughEtsy(etsy, r.statsd)) !== undefined) {
          fail(i, why);
          break;
        }
      }
    }
  }
  return failures;
}

/** Sends datagrams to the real Etsy statsd; a bad line it counted is a finding. */
export async function throughEtsy(etsy: EtsyStatsd, datagrams: readonly string[]): Promise<string | undefined> {
  const before = etsy.counter('statsd.bad_lines_seen');
  const flushes = etsy.flushes.length;
  const socket = createSocket('udp4');
  for (const datagram of datagrams) {
    await new Promise<void>((resolve, reject) => socket.send(datagram, etsy.port, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
  }
  socket.close();
  // Two flushes after the last send: every datagram has been read by then.
  await etsy.waitFor(() => etsy.flushes.length >= flushes + 2);
  const bad = etsy.counter('statsd.bad_lines_seen') - before;
  return bad === 0 ? undefined : `statsd: the real Etsy statsd counted ${bad} bad line(s)`;
}

/**
 * The smallest failing case found by deleting ops and shortening names and tags while `fails`
 * still holds (a greedy shrink: each accepted step makes the case strictly smaller).
 */
export async function shrink(input: Case, fails: (c: Case) => Promise<boolean>): Promise<Case> {
  let current = input;
  for (let progress = true; progress;) {
    progress = false;
    const candidates: Case[] = [];
    for (let i = 0; i < current.ops.length; i++) {
      const ops = current.ops.filter((_, j) => j !== i);
      candidates.push({ ops, split: Math.min(current.split - (i < current.split ? 1 : 0), ops.length) });
    }
    for (let i = 0; i < current.ops.length; i++) {
      const op = current.ops[i]!;
      const smaller: Op[] = [];
      if (op.tags.length > 0) smaller.push({ ...op, tags: op.tags.slice(1) });
      if (op.name.length > 1) smaller.push({ ...op, name: op.name.slice(0, Math.ceil(op.name.length / 2)) });
      if (op.rate !== 1) smaller.push({ ...op, rate: 1 });
      for (const s of smaller) candidates.push({ ops: current.ops.map((o, j) => (j === i ? s : o)), split: current.split });
    }
    if (current.split > 0) candidates.push({ ops: current.ops, split: 0 });
    for (const candidate of candidates) {
      if (await fails(candidate)) {
        current = candidate;
        progress = true;
        break;
      }
    }
  }
  return current;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
