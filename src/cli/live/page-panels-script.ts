/**
 * Which panels the page shows, as browser JavaScript: the runtime panels first, then every
 * other series grouped by name prefix. Kept as a string (see page-chart-script.ts).
 */
export const PANELS_SCRIPT = String.raw`
var MIB = 1 / 1048576;
/**
 * [label, kind (c counter, g gauge), name, scale, per]: the runtime panels, in the order a reader
 * scans them. With \`per\`, the line is name ÷ per from the same payload (a share), times scale.
 * A series drawn in another unit than its panel's carries [.., per, its own suffix, its own unit]
 * and is shown in the legend only.
 */
var CORE_PANELS = [
  { id: 'eventloop-delay', title: 'Event-loop delay', unit: 'ms', suffix: ' ms', series: [
    ['median', 'g', 'node.eventloop.delay.ms.median', 1], ['p95', 'g', 'node.eventloop.delay.ms.p95', 1],
    ['p99', 'g', 'node.eventloop.delay.ms.p99', 1], ['max', 'g', 'node.eventloop.delay.ms.max', 1]] },
  { id: 'eventloop-utilisation', title: 'Event-loop utilisation', unit: '% busy', suffix: '%', series: [
    ['busy', 'g', 'node.eventloop.usage.percent', 100]] },
  { id: 'cpu', title: 'CPU utilisation', unit: '% of one core', suffix: '%', series: [
    ['cpu', 'g', 'node.cpu.utilization', 100]] },
  { id: 'gc-collections', title: 'GC collections', unit: 'per interval', suffix: '', series: [
    ['all', 'c', 'node.gc.collections', 1], ['young', 'c', 'node.gc.young.collections', 1], ['old', 'c', 'node.gc.old.collections', 1]] },
  { id: 'gc-pause', title: 'GC pause', unit: 'ms per interval', suffix: ' ms', series: [
    ['all', 'c', 'node.gc.pause.ns', 1e-6], ['young', 'c', 'node.gc.young.pause.ns', 1e-6], ['old', 'c', 'node.gc.old.pause.ns', 1e-6]] },
  { id: 'memory', title: 'Heap and RSS', unit: 'MiB', suffix: ' MiB', series: [
    ['heap used', 'g', 'node.memory.heap.used.bytes', MIB], ['heap total', 'g', 'node.memory.heap.total.bytes', MIB],
    ['RSS', 'g', 'node.memory.rss.bytes', MIB]] },
  // As a share: a 27 MiB heap under a 4 144 MiB limit drew as a flat line at the bottom in MiB.
  { id: 'heap-limit', title: 'Heap used of limit', unit: '% of limit', suffix: '%', series: [
    ['heap used', 'g', 'node.memory.heap.used.bytes', 100, 'node.memory.heap.limit.bytes']] },
  // Container (docs/container.md): an eighth element styles a series: 'limit' is drawn dashed,
  // 'band' shades the chart's background by its 0–1 value (throttling) instead of a line.
  { id: 'container-memory', section: 'container', title: 'Container memory', unit: 'MiB', suffix: ' MiB', series: [
    ['limit', 'g', 'node.container.memory.limit.bytes', MIB, null, null, null, 'limit'], ['working set', 'g', 'node.container.memory.working_set.bytes', MIB],
    ['RSS', 'g', 'node.memory.rss.bytes', MIB], ['heap used', 'g', 'node.memory.heap.used.bytes', MIB],
    ['heap after full GC', 'g', 'node.memory.heap.after_gc.bytes', MIB]] },
  { id: 'container-cpu', section: 'container', title: 'Container CPU', unit: 'cores', suffix: ' cores', series: [
    ['quota', 'g', 'node.container.cpu.quota.cores', 1, null, null, null, 'limit'], ['used', 'g', 'node.cpu.utilization', 1],
    ['throttled periods', 'g', 'node.container.cpu.throttled.ratio', 1, null, null, null, 'band']] },
];
/** Runtime families whose other series (node.cpu.user.us, node.handles.active …) share one panel per unit. */
var RUNTIME_FAMILIES = ['node.cpu', 'node.handles', 'node.memory', 'node.gc', 'node.eventloop', 'node.container', 'node.process', 'node.threads'];
/** Other panels shown at most; the rest are counted in a notice and reachable through the filter. */
var MAX_OTHER_PANELS = 48;
/** Lines drawn in one panel at most; the legend says how many more there are. */
var MAX_LINES = 8;
var CORE_KEYS = {};
CORE_PANELS.forEach(function (panel) {
  panel.series.forEach(function (s) { CORE_KEYS[s[1] + ':' + s[2]] = true; if (s[4]) CORE_KEYS[s[1] + ':' + s[4]] = true; });
});

/** The statistics a timer is flattened into that share its unit: drawn together in one panel. */
var SPREAD = /^(min|max|mean|median|stddev|p\d+(_\d+)?)$/;
/** A timer's other derived series: in its panel too, drawn when they share its unit, else in the legend. */
var DERIVED = { count: 'count', count_ps: 'rate', sum: 'sum', sum_squares: 'sum²' };

/** Unit of a series from its name's words (ms, ns, us, bytes), its statistic suffix and its kind. */
function unitOf(base, stat, kind) {
  var words = base.split(/[._]/);
  var last = base.slice(base.lastIndexOf('.') + 1);
  if (last === 'count' && kind === 'c') return { unit: 'per interval', suffix: '', scale: 1 };
  if (last === 'count_ps' || last === 'rate') return { unit: 'per second', suffix: ' /s', scale: 1 };
  var u = { unit: kind === 'c' ? 'per interval' : 'gauge', suffix: '', scale: 1 };
  if (words.indexOf('bytes') >= 0) u = { unit: 'MiB', suffix: ' MiB', scale: MIB };
  else if (words.indexOf('ms') >= 0) u = { unit: 'ms', suffix: ' ms', scale: 1 };
  else if (words.indexOf('ns') >= 0) u = { unit: 'ms', suffix: ' ms', scale: 1e-6 };
  else if (words.indexOf('us') >= 0) u = { unit: 'ms', suffix: ' ms', scale: 1e-3 };
  if (last === 'sum_squares' && u.suffix) return { unit: u.unit + '²', suffix: u.suffix + '²', scale: u.scale * u.scale };
  if (kind === 'c' && u.unit !== 'per interval') u.unit += ' per interval';
  return u;
}

/**
 * A panel's title: the name, with a host tag (the outgoing-HTTP monitor's \`host:<name>\`, flattened
 * to \`.host_<name>\`) moved to the end, so one metric's hosts sort together and read cleanly.
 */
function titleOf(base) {
  return base.replace(/\.host_(.+?)((?:\.(?:count|count_ps|sum|sum_squares|rate))?)$/, '$2 · $1');
}

/** Section heading of a name: its first word, or its first two for hmetrics' own node.* and hmetrics.* names. */
function sectionOf(name) {
  var parts = name.split('.');
  return (parts[0] === 'node' || parts[0] === 'hmetrics') && parts.length > 2 ? parts[0] + '.' + parts[1] : parts[0];
}

/**
 * Every panel for one app. kinds maps 'c:name' / 'g:name' to true for each series seen.
 * Returns { core: [...], others: [...] }, each panel { id, title, unit, suffix, section, series: [[label, kind, name, scale]] }.
 */
function planPanels(kinds) {
  var core = CORE_PANELS.map(function (panel) {
    var present = panel.series.filter(function (s) { return kinds.has(s[1] + ':' + s[2]) && (!s[4] || kinds.has(s[1] + ':' + s[4])); });
    // A container panel shows only where there is a container figure (node.cpu.utilization alone is not one).
    if (panel.section === 'container' && !present.some(function (s) { return s[2].indexOf('node.container.') === 0; })) return null;
    return present.length ? Object.assign({}, panel, { series: present, section: panel.section || 'runtime' }) : null;
  }).filter(Boolean);
  var groups = new Map();
  kinds.forEach(function (_, key) {
    if (CORE_KEYS[key]) return;
    if (typeof isRequestsSeries === 'function' && isRequestsSeries(key.slice(2))) return; // drawn by the Requests panel
    var kind = key[0], name = key.slice(2);
    var dot = name.lastIndexOf('.');
    var stat = dot > 0 ? name.slice(dot + 1) : '';
    var spread = SPREAD.test(stat);
    var derived = !spread && dot > 0 && Object.prototype.hasOwnProperty.call(DERIVED, stat);
    var base = spread || derived ? name.slice(0, dot) : name;
    var u = unitOf(spread ? base : name, stat, spread ? 'g' : kind);
    var family = null;
    if (!spread && !derived) RUNTIME_FAMILIES.forEach(function (f) { if (name.indexOf(f + '.') === 0) family = f; });
    var label = spread ? stat : derived ? DERIVED[stat] : family ? name.slice(family.length + 1) : kind === 'g' ? 'value' : u.unit === 'per interval' ? 'count' : 'total';
    // A timer's series meet under their base name whatever their kind; a runtime family under its prefix, one panel per unit.
    var id = spread || derived ? 't:' + base : family ? kind + ':' + family + ':' + u.unit : kind + ':' + name;
    var panel = groups.get(id);
    if (!panel) {
      panel = { id: id, title: titleOf(family || base), unit: u.unit, suffix: u.suffix, section: sectionOf(family ? name : base), series: [] };
      groups.set(id, panel);
    }
    panel.series.push([label, kind, name, u.scale, null, u.suffix, u.unit, spread]);
  });
  var others = Array.from(groups.values()).sort(function (a, b) {
    return a.section === b.section ? (a.title < b.title ? -1 : a.title > b.title ? 1 : a.id < b.id ? -1 : 1) : a.section < b.section ? -1 : 1;
  });
  others.forEach(function (panel) {
    panel.series.sort(function (a, b) { return statOrder(a[0]) - statOrder(b[0]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0); });
    // The panel's unit is its spread's (a timer's ms) when it has one, else its first series'.
    // With a spread, only the spread is drawn: a sum in ms would flatten the median beside it.
    var spread = panel.series.filter(function (s) { return s[7]; });
    var lead = spread[0] || panel.series[0];
    panel.unit = lead[6];
    panel.suffix = lead[5];
    panel.series = panel.series.map(function (s) {
      return s[6] === panel.unit && (s[7] || spread.length === 0) ? [s[0], s[1], s[2], s[3]] : [s[0], s[1], s[2], s[3], null, s[5], s[6]];
    });
  });
  return { core: core, others: others };
}

var STAT_ORDER = ['value', 'count', 'min', 'median', 'mean', 'p90', 'p95', 'p99', 'max', 'stddev', 'rate', 'sum', 'sum²'];
function statOrder(label) {
  var i = STAT_ORDER.indexOf(label);
  return i >= 0 ? i : STAT_ORDER.length;
}

function matches(panel, filter) {
  if (!filter) return true;
  if (panel.title.toLowerCase().indexOf(filter) >= 0) return true;
  return panel.series.some(function (s) { return s[2].toLowerCase().indexOf(filter) >= 0; });
}
`;
