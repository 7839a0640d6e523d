/**
 * encodeProto's in-place writing: strings straight into the buffer (multi-byte, a lone surrogate,
 * lengths on either side of the one-byte length prefix) and the metric headers and attribute sets
 * kept from the first export: a second export, from the kept spans, is byte for byte the first.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeProto } from '../src/otlp/encode-proto.js';
import { encodeJson } from '../src/otlp/encode-json.js';
import type { Attributes, ExportRequest } from '../src/otlp/model.js';
import { decodeExportRequest } from './helpers/otlp-decode.js';

type Json = Record<string, any>;

const multiByte = 'décodeur ✓ 🚀';
// 127 and 128 bytes: the last name whose length fits the one reserved byte, and the first that does not.
const name127 = `m.${'a'.repeat(125)}`;
const name128 = `m.${'b'.repeat(126)}`;
// Under 128 characters but over 128 bytes: the prefix grows after the string is written.
const wideName = `m.${'é'.repeat(70)}`;
const longDescription = 'A description longer than one length byte holds. '.repeat(6);

function request(pointAttributes: Attributes): ExportRequest {
  const time = 1_700_000_000_000_000_000n;
  return {
    resource: [['service.name', multiByte], ['lone', 'x\ud83dy'], ['process.pid', 4242]],
    scope: { name: 'hmetrics', version: '9.8.7' },
    metrics: [name127, name128, wideName].map((name, i) => ({
      name,
      description: i === 0 ? longDescription : '',
      unit: i === 1 ? '' : 's',
      kind: 'gauge' as const,
      points: [{ attributes: pointAttributes, startNs: time, timeNs: time + 1_000n, value: i + 0.5 }],
    })),
  };
}

test('strings are UTF-8 with a lone surrogate as U+FFFD, and lengths past one byte are prefixed right', () => {
  const attributes: Attributes = [['route', '/ü/✓'], ['long', 'v'.repeat(300)]];
  const decoded = decodeExportRequest(encodeProto(request(attributes)));
  const rm = decoded.resourceMetrics[0] as Json;
  const resource = Object.fromEntries(rm['resource'].attributes.map((a: Json) => [a.key, Object.values(a.value)[0]]));
  assert.deepEqual(resource, { 'service.name': multiByte, lone: 'x\ufffdy', 'process.pid': 4242 });
  const metrics = rm['scopeMetrics'][0].metrics as Json[];
  assert.deepEqual(metrics.map((m) => m['name']), [name127, name128, wideName]);
  assert.equal(Buffer.byteLength(name127), 127);
  assert.equal(Buffer.byteLength(name128), 128);
  assert.ok(wideName.length < 128 && Buffer.byteLength(wideName) > 128);
  assert.equal(metrics[0]!['description'], longDescription);
  assert.deepEqual(metrics.map((m) => m['unit']), ['s', '', 's']);
  const point = metrics[2]!['gauge'].dataPoints[0];
  assert.deepEqual(point.attributes.map((a: Json) => [a.key, a.value.stringValue]), [['route', '/ü/✓'], ['long', 'v'.repeat(300)]]);
  // The JSON encoder writes through JSON.stringify, not this writer: both say the same thing.
  const json = JSON.parse(encodeJson(request(attributes)));
  assert.deepEqual(json.resourceMetrics[0].scopeMetrics[0].metrics.map((m: Json) => m['name']), [name127, name128, wideName]);
});

test('a second export, from the kept headers and attribute spans, is byte for byte the first', () => {
  const attributes: Attributes = [['queue', 'høy'], ['n', 7]];
  const same = request(attributes);
  const first = Buffer.from(encodeProto(same));
  const second = Buffer.from(encodeProto(same));
  assert.ok(first.equals(second));
  // A new request with equal content but new attribute arrays: encoded afresh, the same bytes.
  const third = Buffer.from(encodeProto(request([['queue', 'høy'], ['n', 7]])));
  assert.ok(first.equals(third));
});
