import { Aggregator } from '../../src/metrics/aggregator.js';
import { HttpServerMetric } from '../../src/metrics/names.js';

/** An aggregator with a tap that counts settled requests, so a test can wait for the server's side. */
export function recorder(): { aggregator: Aggregator; settled: () => number } {
  const aggregator = new Aggregator();
  let settled = 0;
  aggregator.addTap((kind, _key, name, _tags, value) => { if (kind === 'count' && name === HttpServerMetric.requests) settled += value as number; });
  return { aggregator, settled: () => settled };
}

/** Counters and timer counts per series, tags sorted: { 'http.server.requests|method:GET,route:/x,status_code:2xx': 1 }. */
export function figures(aggregator: Aggregator): Record<string, number> {
  const snapshot = aggregator.swap();
  const out: Record<string, number> = {};
  for (const c of snapshot.counters.values()) out[`${c.name}|${[...c.tags].sort().join(',')}`] = c.value;
  for (const t of snapshot.timers.values()) out[`${t.name}|${[...t.tags].sort().join(',')}`] = t.count;
  for (const g of snapshot.gauges.values()) out[`${g.name}|`] = g.value;
  return out;
}

/** Counted requests by method, route and status tag: { 'GET /orgs/:org 2xx': 1 }. */
export function routeCounts(aggregator: Aggregator): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of aggregator.swap().counters.values()) {
    if (c.name !== HttpServerMetric.requests) continue;
    const tag = (prefix: string): string => c.tags.find((t) => t.startsWith(prefix))?.slice(prefix.length) ?? '-';
    out[`${tag('method:')} ${tag('route:')} ${tag('status_code:')}`] = c.value;
  }
  return out;
}
