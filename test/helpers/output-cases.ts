/**
 * The generated inputs of the output property test (test/output-validity.test.ts): seeded random
 * recordings through the public recording paths, and every output each case renders.
 */
import { Aggregator } from '../../src/metrics/aggregator.js';
import type { Snapshot } from '../../src/metrics/snapshot.js';
import { buildExport, ExportState } from '../../src/otlp/build-request.js';
import { encodeJson } from '../../src/otlp/encode-json.js';
import { encodeProto } from '../../src/otlp/encode-proto.js';
import { resolveOtlpOptions, type OtlpTemporalityPreference } from '../../src/otlp/options.js';
import { FamilyList, type Family } from '../../src/prometheus/family.js';
import { render } from '../../src/prometheus/format.js';
import { PushedSeries } from '../../src/prometheus/pushed.js';
import { flatten } from '../../src/sinks/flatten.js';
import { encodeSnapshot } from '../../src/sinks/statsd/encode.js';
import { StatsdReceiver } from '../../src/statsd/receiver.js';
import { TelemetryBuffer } from '../../src/telemetry/buffer.js';
import { Prng } from './prng.js';

/** One recording. `api` says which public path records it. */
export interface Op {
  readonly api: 'aggregator' | 'buffer' | 'statsd';
  readonly kind: 'count' | 'gauge' | 'timing' | 'set';
  readonly name: string;
  readonly tags: readonly string[];
  readonly value: number;
  readonly member: string;
  readonly rate: number;
}

/** Two intervals of recordings: `ops[0..split)` then the rest. */
export interface Case {
  readonly ops: readonly Op[];
  readonly split: number;
}

// ---------------------------------------------------------------------------------------------
// Generation

const ASCII_PUNCTUATION = ' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const UNICODE = ['é', 'ñ', 'ç', 'đ', '日本', 'ß', '🚀', 'Ω', '\u00a0', '\u200b', 'ا'];
const CONTROL = ['\n', '\t', '\r', '\u0000', '\u007f'];
/** Names that collide once mapped, in one output or another. */
const COLLIDING = [
  'jobs', 'jobs.total', 'jobs_total', 'a b', 'a_b', 'a.b', 'a-b', '9lives', '_9lives', 'metric_9lives',
  'x', 'x_count', 'x.sum', 'x_bucket', 'x.created', 'lat.ms', 'lat_seconds', 'lat.sec',
  'process_cpu_seconds', 'hmetrics.prometheus.dropped.series', 'hmetrics_prometheus_name_clashes',
  'hmetrics.dropped.negative_values', 'nodejs.eventloop.utilization', 'é', 'ñ', '_', '__', 'le', 'total',
];
const RATES = [1, 1, 1, 0.5, 0.3, 0.1, 0.01, 0.001];

function randomText(prng: Prng, maxBytes: number, alphabet: 'any' | 'statsd'): string {
  const bytes = prng.chance(0.1) ? prng.int(100, maxBytes) : prng.int(1, 24);
  let out = prng.chance(0.2) ? String(prng.int(0, 9)) : '';
  while (Buffer.byteLength(out) < bytes) {
    const roll = prng.next();
    if (roll < 0.55) out += String.fromCharCode(prng.chance(0.5) ? prng.int(97, 122) : prng.int(65, 90));
    else if (roll < 0.65) out += String(prng.int(0, 9));
    else if (roll < 0.85) out += prng.pick([...ASCII_PUNCTUATION]);
    else if (roll < 0.97) out += prng.pick(UNICODE);
    else out += prng.pick(CONTROL);
  }
  // Statsd lines cannot carry their own separators in a name; the receiver would split them.
  if (alphabet === 'statsd') out = out.replace(/[:|@#,\n\r\u0000\s]/g, '') || 'n';
  while (Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1);
  return out || 'n';
}

function randomValue(prng: Prng): number {
  const roll = prng.next();
  const sign = prng.chance(0.2) ? -1 : 1;
  if (roll < 0.4) return sign * prng.int(0, 100);
  if (roll < 0.6) return sign * prng.next() * 1000;
  if (roll < 0.7) return sign * 10 ** prng.int(10, 300) * prng.next();
  if (roll < 0.8) return sign * 10 ** -prng.int(1, 300) * prng.next();
  if (roll < 0.9) return sign * Number.MAX_SAFE_INTEGER;
  return 0;
}

function randomTags(prng: Prng, api: Op['api']): string[] {
  const tags: string[] = [];
  const n = prng.chance(0.6) ? 0 : prng.int(1, 3);
  const alphabet = api === 'statsd' ? 'statsd' : 'any';
  for (let i = 0; i < n; i++) {
    const key = prng.chance(0.2) ? prng.pick(['le', 'worker', '__name__', 'quantile', '1x', 'a.b']) : randomText(prng, 40, alphabet);
    tags.push(prng.chance(0.2) ? key : `${key}:${randomText(prng, 60, alphabet)}`);
  }
  return tags;
}

/** The `index`th case of `seed`. */
export function generateCase(seed: number, index: number): Case {
  const prng = new Prng((seed * 0x9e3779b1 + index * 0x85ebca6b) >>> 0);
  const ops: Op[] = [];
  const n = prng.int(1, 10);
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const api = prng.pick(['aggregator', 'aggregator', 'buffer', 'statsd'] as const);
    const kind = api === 'buffer' ? prng.pick(['count', 'gauge', 'timing', 'set'] as const) : prng.pick(['count', 'gauge', 'timing', 'set'] as const);
    let name: string;
    if (names.length > 0 && prng.chance(0.25)) name = prng.pick(names);
    else if (prng.chance(0.35)) name = prng.pick(COLLIDING);
    else name = randomText(prng, 300, 'any');
    if (api === 'statsd') name = name.replace(/[:|@#,\n\r\u0000\s]/g, '') || 'n';
    names.push(name);
    const rate = api === 'buffer' || kind === 'gauge' || kind === 'set' ? 1 : prng.pick(RATES);
    ops.push({ api, kind, name, tags: api === 'buffer' ? [] : randomTags(prng, api), value: randomValue(prng), member: randomText(prng, 20, api === 'statsd' ? 'statsd' : 'any'), rate });
  }
  return { ops, split: prng.int(0, n) };
}

// ---------------------------------------------------------------------------------------------
// Recording and rendering

function statsdLine(op: Op): string {
  const type = { count: 'c', gauge: 'g', timing: 'ms', set: 's' }[op.kind];
  const value = op.kind === 'set' ? op.member : String(op.kind === 'gauge' && op.value < 0 ? op.value : op.value);
  const rate = op.rate === 1 ? '' : `|@${op.rate}`;
  const tags = op.tags.length === 0 ? '' : `|#${op.tags.join(',')}`;
  // A gauge line with a sign reads as relative in statsd; the reset pair makes it absolute.
  const reset = op.kind === 'gauge' && op.value < 0 ? `${op.name}:0|g${tags}\n` : '';
  return `${reset}${op.name}:${value}|${type}${rate}${tags}`;
}

function record(op: Op, aggregator: Aggregator, buffer: TelemetryBuffer, receiver: StatsdReceiver): void {
  switch (op.api) {
    case 'aggregator':
      if (op.kind === 'count') aggregator.count(op.name, op.value, op.tags, op.rate);
      else if (op.kind === 'gauge') aggregator.gauge(op.name, op.value, op.tags);
      else if (op.kind === 'timing') aggregator.timing(op.name, op.value, op.tags, op.rate);
      else aggregator.setMember(op.name, op.member, op.tags);
      return;
    case 'buffer':
      if (op.kind === 'count') buffer.add(op.name, Math.trunc(op.value) || 1);
      else if (op.kind === 'gauge') buffer.set(op.name, op.value);
      else if (op.kind === 'timing') buffer.append(op.name, op.value);
      else buffer.appendUnique(op.name, op.member);
      return;
    case 'statsd':
      receiver.ingest(statsdLine(op));
  }
}

/** What one case renders: every output of both intervals. */
export interface Rendered {
  readonly openmetrics: string[];
  readonly text: string[];
  readonly textFamilies: Family[][];
  readonly otlp: { readonly temporality: OtlpTemporalityPreference; readonly proto: Uint8Array[]; readonly json: string[] }[];
  readonly statsd: string[];
  readonly heroku: string[];
}

const OTLP_OPTIONS = {
  cumulative: resolveOtlpOptions({ temporality: 'cumulative' }),
  delta: resolveOtlpOptions({ temporality: 'delta' }),
};

export function renderCase(input: Case): Rendered {
  const aggregator = new Aggregator({ now: () => 1_700_000_000_000 });
  const buffer = new TelemetryBuffer(aggregator);
  const receiver = new StatsdReceiver({ aggregator });
  const pushed = new PushedSeries();
  pushed.attach(aggregator);
  const out: Rendered = { openmetrics: [], text: [], textFamilies: [], otlp: [], statsd: [], heroku: [] };
  const states = { cumulative: new ExportState(), delta: new ExportState() };
  const otlp = { cumulative: { temporality: 'cumulative' as const, proto: [] as Uint8Array[], json: [] as string[] }, delta: { temporality: 'delta' as const, proto: [] as Uint8Array[], json: [] as string[] } };
  const interval = (ops: readonly Op[]): void => {
    for (const op of ops) record(op, aggregator, buffer, receiver);
    const snapshot: Snapshot = aggregator.swap();
    const list = new FamilyList();
    pushed.collect(list);
    out.openmetrics.push(render(list.families, 'openmetrics'));
    out.text.push(render(list.families, 'text'));
    out.textFamilies.push(list.families);
    for (const temporality of ['cumulative', 'delta'] as const) {
      const built = buildExport(snapshot, states[temporality], OTLP_OPTIONS[temporality], [['service.name', 'validity']], { name: 'hmetrics', version: '0' });
      built.commit();
      otlp[temporality].proto.push(encodeProto(built.request));
      otlp[temporality].json.push(encodeJson(built.request));
    }
    out.statsd.push(...encodeSnapshot(snapshot).datagrams, ...encodeSnapshot(snapshot, { tagsMode: 'none' }).datagrams);
    out.heroku.push(JSON.stringify(flatten(snapshot, [50, 95, 99])));
  };
  interval(input.ops.slice(0, input.split));
  interval(input.ops.slice(input.split));
  pushed.detach();
  out.otlp.push(otlp.cumulative, otlp.delta);
  return out;
}
