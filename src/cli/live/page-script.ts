import { CHART_SCRIPT } from './page-chart-script.js';
import { PANELS_SCRIPT } from './page-panels-script.js';
import { REQUESTS_SCRIPT } from './page-requests-script.js';

/**
 * The page's state and event handling, as browser JavaScript: it mirrors the receiver's history
 * (the same window and value budget), listens on /events and redraws at most once a frame.
 * Kept as a string (see page-chart-script.ts).
 */
const MAIN_SCRIPT = String.raw`
var limits = { windowMs: 3600000, maxValues: 1000000 };
var apps = new Map();
var current = null;
var totalValues = 0;
var connected = false;
var renderQueued = false;
var $ = function (id) { return document.getElementById(id); };

function newApp() { return { payloads: [], kinds: new Map(), ignoredSeries: 0, values: 0 }; }

function countValues(p) { return Object.keys(p.counters).length + Object.keys(p.gauges).length + (p.tags ? Object.keys(p.tags).length : 0); }

function addPayload(p) {
  var app = apps.get(p.app);
  if (!app) { app = newApp(); apps.set(p.app, app); }
  var list = app.payloads;
  var i = list.length;
  while (i > 0 && list[i - 1].time > p.time) i--;
  list.splice(i, 0, p);
  Object.keys(p.counters).forEach(function (name) { app.kinds.set('c:' + name, true); });
  Object.keys(p.gauges).forEach(function (name) { app.kinds.set('g:' + name, true); });
  var n = countValues(p);
  app.values += n;
  totalValues += n;
  if (typeof p.ignoredSeries === 'number') app.ignoredSeries = p.ignoredSeries;
  trim(app);
}

/** The receiver's rules: the last windowMs of each app, then the oldest payloads while over maxValues. */
function trim(app) {
  var list = app.payloads;
  var newest = list[list.length - 1].time;
  while (list.length > 1 && list[0].time < newest - limits.windowMs) drop(app);
  while (totalValues > limits.maxValues) {
    var oldest = null;
    apps.forEach(function (a) { if (a.payloads.length > 1 && (!oldest || a.payloads[0].time < oldest.payloads[0].time)) oldest = a; });
    if (!oldest) break;
    drop(oldest);
  }
}

function drop(app) {
  var n = countValues(app.payloads.shift());
  app.values -= n;
  totalValues -= n;
}

function loadSnapshot(snapshot) {
  limits = snapshot.limits;
  apps = new Map();
  totalValues = 0;
  Object.keys(snapshot.apps).forEach(function (name) {
    snapshot.apps[name].payloads.forEach(addPayload);
    apps.get(name).ignoredSeries = snapshot.apps[name].ignoredSeries;
  });
}

function seriesPoints(payloads, s) {
  var points = [];
  var field = s[1] === 'c' ? 'counters' : 'gauges';
  var last = null;
  for (var i = 0; i < payloads.length; i++) {
    var values = payloads[i][field];
    if (!Object.prototype.hasOwnProperty.call(values, s[2])) continue;
    if (s[4]) {
      // A share of another series of the same payload (heap used of its limit).
      var whole = values[s[4]];
      if (!(whole > 0)) continue;
      last = values[s[2]] / whole;
    } else last = values[s[2]];
    points.push([payloads[i].time, last * s[3]]);
  }
  return { points: points, raw: last };
}

function renderPanel(panel, app, t0, t1, width) {
  var node = document.createElement('section');
  node.className = 'panel';
  node.setAttribute('data-panel', panel.id);
  var header = document.createElement('header');
  var title = document.createElement('h3');
  title.className = 'title';
  title.textContent = panel.title;
  var unit = document.createElement('span');
  unit.className = 'unit';
  unit.textContent = panel.unit;
  header.append(title, unit);
  var legend = document.createElement('ul');
  legend.className = 'legend';
  var lines = [];
  var readouts = [];
  // MAX_LINES bounds the lines drawn; legend-only series (a timer's count, rate, sums) are few and always listed.
  var drawnCount = 0;
  var visible = panel.series.filter(function (s) { return (s[5] !== undefined && s[5] !== null) || drawnCount++ < MAX_LINES; });
  visible.forEach(function (s, i) {
    var data = seriesPoints(app.payloads, s);
    var cls = 's' + (i % 8);
    // A series in another unit than the panel's (a timer's count beside its ms) is read in the legend, not drawn.
    var suffix = s[5] === undefined || s[5] === null ? panel.suffix : s[5];
    if (s[5] === undefined || s[5] === null) lines.push({ points: data.points, cls: cls, name: s[2], style: s[7] });
    var item = document.createElement('li');
    item.className = 'series ' + cls + (s[6] ? ' legend-only' : '') + (s[7] ? ' ' + s[7] : '');
    if (s[6]) item.setAttribute('title', s[6]);
    item.setAttribute('data-series', s[2]);
    item.setAttribute('data-points', String(data.points.length));
    if (data.raw !== null) item.setAttribute('data-value', String(data.raw));
    var swatch = document.createElement('span');
    swatch.className = 'swatch';
    var label = document.createElement('span');
    label.className = 'label';
    label.textContent = s[0];
    var latest = document.createElement('span');
    latest.className = 'latest';
    // A band's value is a share (0–1), read as a percentage whatever the panel's unit.
    latest.textContent = data.raw === null ? '–' : s[7] === 'band' ? formatNumber(data.raw * 100) + ' %' : formatNumber(data.raw * s[3]) + suffix;
    readouts.push({ node: latest, points: data.points, text: latest.textContent, suffix: suffix });
    item.append(swatch, label, latest);
    legend.append(item);
  });
  if (panel.series.length > visible.length) {
    var more = document.createElement('li');
    more.className = 'more';
    more.textContent = '+' + (panel.series.length - visible.length) + ' more (filter to see them)';
    legend.append(more);
  }
  var chart = drawChart(lines, t0, t1, width, panel.title + ' (' + panel.unit + ')', function (time) {
    readouts.forEach(function (r) {
      var p = time === null ? null : pointAt(r.points, time);
      r.node.textContent = time === null ? r.text : p && p[0] === time ? formatNumber(p[1]) + r.suffix : '–';
    });
  });
  node.append(header, legend, chart);
  return node;
}

function render() {
  renderQueued = false;
  renderApps();
  var app = current === null ? undefined : apps.get(current);
  var empty = !app || app.payloads.length === 0;
  $('empty').hidden = !empty;
  $('hint').textContent = 'HEROKU_METRICS_URL=' + location.origin + '/ HMETRICS_INTERVAL=5000 node --import hmetrics/onload app.js';
  var core = $('core'), others = $('others'), notice = $('notice');
  if (empty) { core.replaceChildren(); others.replaceChildren(); notice.hidden = true; updateStatus(); return; }
  var filter = $('filter').value.trim().toLowerCase();
  var plan = planPanels(app.kinds);
  var t0 = app.payloads[0].time, t1 = app.payloads[app.payloads.length - 1].time;
  // A panel's padding and border take 26 px of its grid column.
  var width = Math.max(200, Math.floor(firstColumnWidth(core)) - 26);
  var corePanels = plan.core.filter(function (p) { return matches(p, filter); }).map(function (p) { return renderPanel(p, app, t0, t1, width); });
  var requests = renderRequestsPanel(app, filter);
  if (requests) corePanels.unshift(requests);
  core.replaceChildren.apply(core, corePanels);
  var wanted = plan.others.filter(function (p) { return matches(p, filter); });
  var shown = wanted.slice(0, MAX_OTHER_PANELS);
  var nodes = [];
  var section = null, grid = null;
  shown.forEach(function (panel) {
    if (panel.section !== section) {
      section = panel.section;
      var heading = document.createElement('h2');
      heading.className = 'section';
      heading.textContent = section;
      grid = document.createElement('div');
      grid.className = 'grid';
      nodes.push(heading, grid);
    }
    grid.append(renderPanel(panel, app, t0, t1, width));
  });
  others.replaceChildren.apply(others, nodes);
  var left = wanted.length - shown.length;
  var notes = [];
  if (left > 0) {
    var leftSeries = wanted.slice(MAX_OTHER_PANELS).reduce(function (n, p) { return n + p.series.length; }, 0);
    notes.push(left + ' more panels (' + leftSeries + ' series) left out: at most ' + MAX_OTHER_PANELS + ' are drawn. Type in the filter to find them.');
  }
  if (app.ignoredSeries > 0) notes.push('The receiver ignored ' + app.ignoredSeries + ' series past its limit of ' + limits.maxSeriesPerApp + ' per app.');
  notice.textContent = notes.join(' ');
  notice.hidden = notes.length === 0;
  updateStatus();
}

/** Width of one grid column, so charts are drawn at the size they are shown. */
function firstColumnWidth(grid) {
  var columns = getComputedStyle(grid).gridTemplateColumns.split(' ');
  return parseFloat(columns[0]) || grid.clientWidth;
}

function renderApps() {
  var names = Array.from(apps.keys());
  if (current === null || !apps.has(current)) current = names.indexOf(fromHash()) >= 0 ? fromHash() : (names[0] === undefined ? null : names[0]);
  var nav = $('apps');
  // Rebuilt only when the set of apps changes, so a click or keyboard focus is never lost to a redraw.
  if (nav.getAttribute('data-apps') !== JSON.stringify(names)) {
    nav.setAttribute('data-apps', JSON.stringify(names));
    nav.replaceChildren.apply(nav, names.map(function (name) {
      var button = document.createElement('button');
      button.type = 'button';
      button.textContent = name;
      button.addEventListener('click', function () { current = name; location.hash = 'app=' + encodeURIComponent(name); schedule(); });
      return button;
    }));
  }
  Array.from(nav.children).forEach(function (button) { button.setAttribute('aria-pressed', String(button.textContent === current)); });
}

function fromHash() {
  var match = /app=([^&]*)/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : null;
}

function updateStatus() {
  var status = $('status');
  status.className = 'status' + (connected ? ' live' : '');
  var app = current === null ? undefined : apps.get(current);
  var count = app ? app.payloads.length : 0;
  var newest = count ? app.payloads[count - 1].time : 0;
  var ago = newest ? ' · last measured ' + Math.max(0, Math.round((Date.now() - newest) / 1000)) + ' s ago' : '';
  // "connecting…" until the first event: "reconnecting…" before it read as a fault.
  status.textContent = (!heard ? 'connecting…' : connected ? 'live' : 'reconnecting…') + ' · ' + count + ' payload' + (count === 1 ? '' : 's') + ago;
}

function schedule() {
  updateStatus();
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(render);
}

var heard = false;
var events = new EventSource('events');
events.addEventListener('open', function () { connected = true; updateStatus(); });
events.addEventListener('error', function () { connected = false; updateStatus(); });
events.addEventListener('snapshot', function (e) { heard = true; loadSnapshot(JSON.parse(e.data)); schedule(); });
events.addEventListener('payload', function (e) { heard = true; addPayload(JSON.parse(e.data)); schedule(); });
// The stored history is drawn at once, without waiting for the stream's first event; the
// stream's snapshot replaces it when it comes.
fetch('history.json').then(function (r) { return r.ok ? r.json() : null; }).then(function (snapshot) {
  if (snapshot && !heard) { loadSnapshot(snapshot); schedule(); }
}).catch(function () {});
$('filter').addEventListener('input', schedule);
var drawnWidth = window.innerWidth;
// Only a change of width changes the charts; a height change (a phone's toolbar) keeps the hover.
window.addEventListener('resize', function () { if (window.innerWidth !== drawnWidth) { drawnWidth = window.innerWidth; schedule(); } });
window.addEventListener('hashchange', function () { current = null; schedule(); });
setInterval(updateStatus, 1000);
schedule();
`;

/** The live page's script: charts, panel plan and state, in one file served as /page.js. */
export const PAGE_SCRIPT = `'use strict';\n(function () {\n${CHART_SCRIPT}\n${PANELS_SCRIPT}\n${REQUESTS_SCRIPT}\n${MAIN_SCRIPT}\n})();\n`;
