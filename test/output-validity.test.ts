/**
 * Every output valid for every input, checked by parsers we did not write. Seeded random
 * recordings (names of 1–300 bytes with ASCII punctuation, Unicode, control characters, leading
 * digits, names that collide once mapped; tags; negative, huge, tiny and fractional values;
 * sample rates) go through the aggregator, the telemetry buffer and the statsd receiver; each
 * case's two intervals are rendered in every output and checked by Python's prometheus_client
 * (its OpenMetrics parser is strict), promtool, protobuf classes protoc generates from the
 * official OTLP .proto files (no unknown field), protobuf's strict JSON parser, the real Etsy
 * statsd, and the data-model rules (docs/outputs.md). A failure prints the seed and the
 * smallest failing case. `npm run soak` runs many more cases (test/soak/).
 */
import { test } from 'node:test';
import { validityTest } from './helpers/output-validity-run.js';

const { title, skip, run } = validityTest({ cases: Number(process.env['HMETRICS_VALIDITY_CASES'] ?? 3000), batch: 1000, etsy: true });
test(title, { skip }, run);
