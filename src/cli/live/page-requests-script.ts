/**
 * The live page's "Requests" panel, as browser JavaScript: one row per method and route from
 * the incoming-HTTP monitor's flattened series (docs/http-server.md), over the last minute of
 * payloads: rate, error share, p50/p95/p99 and time spent, top routes by time spent first.
 * Data-driven: it reads whatever `http.server.*` series the payloads carry, and claims them so
 * the generic panels do not draw one chart per route and status. Routes are shown as recorded
 * (`GET /api/users/:id`) from the payloads' `tags` (the original tags behind the folded names,
 * which hmetrics sends to this receiver); a payload from another sender shows the folded name.
 * Kept as a string (see page-chart-script.ts).
 */
export const REQUESTS_SCRIPT = String.raw`
/** Window the table sums over, ms of measurement time before the newest payload. */
var REQUESTS_WINDOW_MS = 60000;
/** Rows shown at most; the rest are counted under the table. */
var REQUESTS_MAX_ROWS = 10;
/** Series the Requests panel draws (in flight is shown in its header); the generic panels leave them out. */
function isRequestsSeries(name) {
  return name.indexOf('http.server.') === 0;
}
/** The tags part of a flattened name: [error_type_X.]method_M.route_R[.status_code_S], tags sorted by key. */
var REQUEST_TAGS = /^(?:error_type_([^.]+)\.)?method_([^.]+)\.route_(.*?)(?:\.status_code_([^.]+))?$/;
var REQUEST_COUNTER = /^http\.server\.(requests|errors)\.(.+)$/;
var REQUEST_TIMER = /^http\.server\.request\.duration\.ms\.(.+)\.(count|count_ps|sum|median|p95|p99)$/;

/** The original route behind a folded one ('_api_users__id' → '/api/users/:id'), from the newest payload that names it. */
function routeNames(payloads) {
  var names = new Map();
  for (var i = payloads.length - 1; i >= 0; i--) {
    var tags = payloads[i].tags;
    if (!tags) continue;
    Object.keys(tags).forEach(function (folded) {
      var tag = tags[folded];
      if (folded.indexOf('route_') === 0 && tag.indexOf('route:') === 0 && !names.has(folded.slice(6))) names.set(folded.slice(6), tag.slice(6));
    });
  }
  return names;
}

/** Rows of the table from an app's payloads: { key, method, route, requests, errors, rate, p50, p95, p99, spentMs }, by time spent. */
function requestRows(payloads) {
  var rows = new Map();
  if (payloads.length === 0) return { rows: [], inFlight: null, seconds: 0 };
  var names = routeNames(payloads);
  var newest = payloads[payloads.length - 1];
  var seconds = 0;
  var rowOf = function (tags) {
    var m = REQUEST_TAGS.exec(tags);
    if (!m) return null;
    var key = m[2] + ' ' + m[3];
    var row = rows.get(key);
    if (!row) {
      var route = names.has(m[3]) ? names.get(m[3]) : m[3];
      row = { key: m[2] + ' ' + route, method: m[2], route: route, requests: 0, errors: 0, timed: 0, p50: 0, p95: 0, p99: 0, spentMs: 0 };
      rows.set(key, row);
    }
    return row;
  };
  for (var i = payloads.length - 1; i >= 0 && payloads[i].time > newest.time - REQUESTS_WINDOW_MS; i--) {
    var p = payloads[i];
    var interval = 0;
    Object.keys(p.counters).forEach(function (name) {
      var c = REQUEST_COUNTER.exec(name);
      if (c) {
        var row = rowOf(c[2]);
        if (row) row[c[1]] += p.counters[name];
        return;
      }
      var t = REQUEST_TIMER.exec(name);
      if (!t || t[2] !== 'count') return;
      var row2 = rowOf(t[1]);
      if (!row2) return;
      var count = p.counters[name];
      var base = 'http.server.request.duration.ms.' + t[1];
      var g = p.gauges;
      // Percentiles of series (statuses, intervals) weighted by their counts: exact for one series.
      row2.timed += count;
      row2.p50 += (g[base + '.median'] || 0) * count;
      row2.p95 += (g[base + '.p95'] || 0) * count;
      row2.p99 += (g[base + '.p99'] || 0) * count;
      row2.spentMs += g[base + '.sum'] || 0;
      // The interval a payload covers: a timer's count over its per-second rate.
      if (!interval && g[base + '.count_ps'] > 0) interval = count / g[base + '.count_ps'];
    });
    seconds += interval;
  }
  var list = Array.from(rows.values());
  list.forEach(function (row) {
    row.rate = seconds > 0 ? row.requests / seconds : null;
    row.errorShare = row.requests > 0 ? row.errors / row.requests : 0;
    if (row.timed > 0) { row.p50 /= row.timed; row.p95 /= row.timed; row.p99 /= row.timed; }
  });
  list.sort(function (a, b) { return b.spentMs - a.spentMs || b.requests - a.requests || (a.key < b.key ? -1 : 1); });
  var inFlight = Object.prototype.hasOwnProperty.call(newest.gauges, 'http.server.active_requests') ? newest.gauges['http.server.active_requests'] : null;
  return { rows: list, inFlight: inFlight, seconds: seconds };
}

/** The panel's element, or null when the app sends no request series. */
function renderRequestsPanel(app, filter) {
  var hasAny = false;
  app.kinds.forEach(function (_, key) { if (isRequestsSeries(key.slice(2))) hasAny = true; });
  if (!hasAny) return null;
  var table = requestRows(app.payloads);
  var rows = table.rows.filter(function (row) { return !filter || row.key.toLowerCase().indexOf(filter) >= 0 || 'requests'.indexOf(filter) >= 0; });
  var node = document.createElement('section');
  node.className = 'panel requests';
  node.setAttribute('data-panel', 'requests');
  var header = document.createElement('header');
  var title = document.createElement('h3');
  title.className = 'title';
  title.textContent = 'Requests';
  var unit = document.createElement('span');
  unit.className = 'unit';
  unit.textContent = 'last ' + Math.round(table.seconds) + ' s' + (table.inFlight === null ? '' : ' · ' + formatNumber(table.inFlight) + ' in flight') + ' · by time spent';
  header.append(title, unit);
  var grid = document.createElement('table');
  var head = document.createElement('tr');
  ['route', 'req/s', 'errors', 'p50', 'p95', 'p99', 'time spent'].forEach(function (text, i) {
    var th = document.createElement('th');
    th.textContent = text;
    if (i > 0) th.className = 'num';
    head.append(th);
  });
  grid.append(head);
  var total = table.rows.reduce(function (n, row) { return n + row.spentMs; }, 0);
  rows.slice(0, REQUESTS_MAX_ROWS).forEach(function (row) {
    var tr = document.createElement('tr');
    tr.setAttribute('data-route', row.key);
    var cells = [
      row.method + ' ' + row.route,
      row.rate === null ? '–' : formatNumber(row.rate),
      (row.errorShare * 100).toFixed(row.errorShare > 0 && row.errorShare < 0.01 ? 2 : 1) + '%',
      row.timed ? formatNumber(row.p50) + ' ms' : '–',
      row.timed ? formatNumber(row.p95) + ' ms' : '–',
      row.timed ? formatNumber(row.p99) + ' ms' : '–',
      total > 0 ? Math.round(row.spentMs / total * 100) + '%' : '–',
    ];
    cells.forEach(function (text, i) {
      var td = document.createElement('td');
      td.textContent = text;
      if (i > 0) td.className = 'num';
      if (i === 2 && row.errorShare > 0) td.className = 'num bad';
      if (i === 6) {
        var bar = document.createElement('span');
        bar.className = 'bar';
        bar.style.width = (total > 0 ? Math.round(row.spentMs / total * 100) : 0) + '%';
        td.prepend(bar);
      }
      tr.append(td);
    });
    grid.append(tr);
  });
  node.append(header, grid);
  if (rows.length > REQUESTS_MAX_ROWS) {
    var more = document.createElement('p');
    more.className = 'more';
    more.textContent = '+' + (rows.length - REQUESTS_MAX_ROWS) + ' more routes (filter to see them)';
    node.append(more);
  }
  return node;
}
`;

/** The Requests panel's styles (served with the page's stylesheet). */
export const REQUESTS_STYLE = String.raw`
.panel.requests { grid-column: 1 / -1; }
.requests table { width: 100%; border-collapse: collapse; margin: 6px 0 4px; font-size: 12px; font-variant-numeric: tabular-nums; }
.requests th { text-align: left; font-weight: 600; color: var(--muted); border-bottom: 1px solid var(--border); padding: 3px 6px; }
.requests td { padding: 3px 6px; border-bottom: 1px solid var(--grid); overflow-wrap: anywhere; }
.requests .num { text-align: right; white-space: nowrap; }
.requests .bad { color: var(--s2); font-weight: 600; }
.requests td:last-child { position: relative; }
.requests .bar { position: absolute; right: 0; top: 3px; bottom: 3px; background: var(--s0); opacity: .15; border-radius: 2px; }
.requests .more { margin: 2px 0 4px; color: var(--muted); font-size: 12px; }
`;
