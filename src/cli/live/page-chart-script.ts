/**
 * The page's chart drawing, as browser JavaScript: hand-drawn SVG, one polyline per series.
 * Chosen over bundling a chart library: the whole page (HTML, CSS, script) is 24 KB, 8 KB
 * gzipped, less than the minified build of uPlot alone, the smallest well-kept candidate; it
 * needs no build step and no third-party licence in the package; and polylines thinned to two
 * points per pixel column draw any history in constant time per panel (an app of 1 000 series
 * redraws in about 50 ms, measured in the browser test).
 * Kept as a string so it ships inside the compiled package with no copy step; it must contain
 * no backquote and no dollar-brace, since it lives in a template literal.
 */
export const CHART_SCRIPT = String.raw`
var SVGNS = 'http://www.w3.org/2000/svg';
var CHART_HEIGHT = 120;
var PAD = { left: 44, right: 8, top: 6, bottom: 18 };

function svg(tag, attrs, parent) {
  var node = document.createElementNS(SVGNS, tag);
  for (var key in attrs) node.setAttribute(key, String(attrs[key]));
  if (parent) parent.appendChild(node);
  return node;
}

/** Four significant digits, thousands grouped, no trailing zeros: what a person reads at a glance. */
function formatNumber(value) {
  var abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs === 0) return '0';
  if (abs < 0.001) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

function formatTime(ms) {
  var d = new Date(ms);
  function two(n) { return (n < 10 ? '0' : '') + n; }
  return two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds());
}

/** Round axis maximum: 1, 2, 2.5 or 5 times a power of ten. */
function niceCeiling(value) {
  if (!(value > 0)) return 1;
  var power = Math.pow(10, Math.floor(Math.log10(value)));
  var steps = [1, 2, 2.5, 5, 10];
  for (var i = 0; i < steps.length; i++) if (steps[i] * power >= value) return steps[i] * power;
  return 10 * power;
}

/**
 * Keeps at most two points (the lowest and highest) per pixel column, so a long history draws
 * as fast as a short one and no spike disappears.
 */
function thin(points, width) {
  if (points.length <= width * 2) return points;
  var out = [];
  var first = points[0][0];
  var span = points[points.length - 1][0] - first || 1;
  var column = -1, low = null, high = null;
  function flush() {
    if (!low) return;
    if (low[0] <= high[0]) { out.push(low); if (high !== low) out.push(high); }
    else { out.push(high); out.push(low); }
  }
  for (var i = 0; i < points.length; i++) {
    var p = points[i];
    var c = Math.floor((p[0] - first) / span * (width - 1));
    if (c !== column) { flush(); column = c; low = p; high = p; }
    else { if (p[1] < low[1]) low = p; if (p[1] > high[1]) high = p; }
  }
  flush();
  return out;
}

/**
 * Draws one chart: lines = [{ points: [[time, value]], cls }], x from t0 to t1 (epoch ms).
 * Returns the svg element; onHover, if given, is called with the hovered payload time or null.
 */
function drawChart(lines, t0, t1, width, label, onHover) {
  var root = svg('svg', { class: 'chart', width: width, height: CHART_HEIGHT, viewBox: '0 0 ' + width + ' ' + CHART_HEIGHT, role: 'img', 'aria-label': label });
  var plotW = Math.max(10, width - PAD.left - PAD.right);
  var plotH = CHART_HEIGHT - PAD.top - PAD.bottom;
  var low = 0, high = 0;
  lines.forEach(function (line) {
    if (line.style === 'band') return; // shading, not on the axis
    line.points.forEach(function (p) { if (p[1] < low) low = p[1]; if (p[1] > high) high = p[1]; });
  });
  var top = niceCeiling(high);
  var bottom = low < 0 ? -niceCeiling(-low) : 0;
  var span = t1 - t0;
  function x(t) { return span > 0 ? PAD.left + (t - t0) / span * plotW : PAD.left + plotW; }
  function y(v) { return PAD.top + (top - v) / (top - bottom) * plotH; }
  [bottom, (top + bottom) / 2, top].forEach(function (tick) {
    var ty = y(tick);
    svg('line', { class: 'gridline', x1: PAD.left, x2: PAD.left + plotW, y1: ty, y2: ty }, root);
    svg('text', { x: PAD.left - 6, y: ty + 3, 'text-anchor': 'end' }, root).textContent = formatNumber(tick);
  });
  svg('text', { x: PAD.left, y: CHART_HEIGHT - 4, 'text-anchor': 'start' }, root).textContent = formatTime(t0);
  if (span > 0) svg('text', { x: PAD.left + plotW, y: CHART_HEIGHT - 4, 'text-anchor': 'end' }, root).textContent = formatTime(t1);
  var rule = svg('line', { class: 'rule', x1: 0, x2: 0, y1: PAD.top, y2: PAD.top + plotH, visibility: 'hidden' }, root);
  var at = svg('text', { class: 'at', x: PAD.left + plotW, y: PAD.top + 8, 'text-anchor': 'end', visibility: 'hidden' }, root);
  lines.forEach(function (line) {
    if (line.style !== 'band') return;
    // Each payload's share shades the time it covers (since the previous payload), full height.
    var band = svg('g', { class: 'band ' + line.cls, 'data-series': line.name, 'data-points': line.points.length }, root);
    for (var i = 1; i < line.points.length; i++) {
      var share = Math.max(0, Math.min(1, line.points[i][1]));
      if (share <= 0) continue;
      var bx = x(line.points[i - 1][0]);
      svg('rect', { x: bx.toFixed(1), y: PAD.top, width: Math.max(1, x(line.points[i][0]) - bx).toFixed(1), height: plotH, 'fill-opacity': (0.08 + 0.4 * share).toFixed(2) }, band);
    }
  });
  lines.forEach(function (line) {
    if (line.style === 'band') return;
    var drawn = thin(line.points, plotW);
    var coords = drawn.map(function (p) { return x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1); }).join(' ');
    svg('polyline', { class: 'line ' + line.cls + (line.style === 'limit' ? ' limit' : ''), points: coords, 'data-series': line.name, 'data-points': line.points.length }, root);
    var last = line.points[line.points.length - 1];
    if (last) svg('circle', { class: 'dot ' + line.cls, cx: x(last[0]).toFixed(1), cy: y(last[1]).toFixed(1), r: 2.5 }, root);
  });
  // Hover (or touch): a rule at the nearest payload, its time, and each line's value there in
  // the legend (onHover(time or null) lets the panel show them); leaving restores the latest.
  function hover(event) {
    var box = root.getBoundingClientRect();
    var t = span > 0 ? t0 + (event.clientX - box.left - PAD.left) / plotW * span : t1;
    var nearest = nearestTime(lines, t);
    if (nearest === null) return;
    rule.setAttribute('x1', x(nearest).toFixed(1));
    rule.setAttribute('x2', x(nearest).toFixed(1));
    rule.setAttribute('visibility', 'visible');
    at.textContent = formatTime(nearest);
    at.setAttribute('visibility', 'visible');
    if (onHover) onHover(nearest);
  }
  root.addEventListener('pointermove', hover);
  root.addEventListener('pointerdown', hover);
  root.addEventListener('pointerleave', function () {
    rule.setAttribute('visibility', 'hidden');
    at.setAttribute('visibility', 'hidden');
    if (onHover) onHover(null);
  });
  return root;
}

/** The payload time nearest to t among all lines' points, or null when there are none. */
function nearestTime(lines, t) {
  var best = null;
  lines.forEach(function (line) {
    var p = pointAt(line.points, t);
    if (p && (best === null || Math.abs(p[0] - t) < Math.abs(best - t))) best = p[0];
  });
  return best;
}

/** The point of a time-ordered line nearest to t (binary search). */
function pointAt(points, t) {
  if (points.length === 0) return null;
  var lo = 0, hi = points.length - 1;
  while (hi - lo > 1) {
    var mid = (lo + hi) >> 1;
    if (points[mid][0] < t) lo = mid; else hi = mid;
  }
  return Math.abs(points[lo][0] - t) <= Math.abs(points[hi][0] - t) ? points[lo] : points[hi];
}
`;
