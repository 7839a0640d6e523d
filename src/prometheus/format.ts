import { formatValue, type Family } from './family.js';

/** The content type of the Prometheus text format 0.0.4. */
export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** The content type of OpenMetrics 1.0. */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** Which format a scraper asked for. */
export type ExpositionFormat = 'text' | 'openmetrics';

/**
 * The format an `Accept` header asks for: OpenMetrics 1.0 when it is acceptable (version 1.0.0
 * or unversioned) with a quality at least that of `text/plain`, else text 0.0.4 (also the answer
 * to no header at all). Prometheus ≥ 2.5 asks for OpenMetrics first.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept || !accept.includes('openmetrics')) return 'text';
  let openMetrics = -1;
  let text = -1;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    let q = 1;
    let version: string | undefined;
    for (const param of params) {
      if (param.startsWith('q=')) q = Number(param.slice(2)) || 0;
      else if (param.startsWith('version=')) version = param.slice(8);
    }
    if (type === 'application/openmetrics-text' && (version === undefined || version === '1.0.0')) {
      openMetrics = Math.max(openMetrics, q);
    } else if (type === 'text/plain' || type === '*/*' || type === 'text/*') {
      text = Math.max(text, q);
    }
  }
  return openMetrics > 0 && openMetrics >= text ? 'openmetrics' : 'text';
}

export function contentTypeOf(format: ExpositionFormat): string {
  return format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE;
}

/**
 * Renders families in the text format 0.0.4 or OpenMetrics 1.0. The formats differ in the
 * counter family name (`x_total` in 0.0.4's `# TYPE`, `x` in OpenMetrics), HELP escaping
 * (OpenMetrics escapes `"` too), and the closing `# EOF`. Families with no samples keep
 * their HELP/TYPE lines, as prom-client prints them.
 */
export function render(families: readonly Family[], format: ExpositionFormat): string {
  const openMetrics = format === 'openmetrics';
  let out = '';
  for (const family of families) out += renderFamily(family, openMetrics);
  if (openMetrics) out += '# EOF\n';
  return out;
}

/**
 * Work done between two yields of `renderYielding()`, ms. Short enough that a large exposition
 * leaves room for the app's own callbacks (10 000 timers took 370–515 ms as one piece of work,
 * measured), long enough that the yields themselves cost nothing measurable.
 */
export const RENDER_SLICE_MS = 8;

/**
 * `render()` in slices: after each RENDER_SLICE_MS of work it yields to the event loop
 * (setImmediate, so I/O and the app's timers run in between), and it returns the exposition as
 * one Buffer that every response to the scrape can share. The same text as `render()`.
 */
export async function renderYielding(families: readonly Family[], format: ExpositionFormat, sliceMs = RENDER_SLICE_MS): Promise<Buffer> {
  const openMetrics = format === 'openmetrics';
  // Each slice's text becomes bytes within that slice: flattening one 7 MB string at the end
  // was itself a 130–260 ms block (10 000 timers, measured).
  const pieces: Buffer[] = [];
  let piece = '';
  let lines = 0;
  let sliceStart = performance.now();
  for (const family of families) {
    piece += renderFamily(family, openMetrics);
    lines += family.samples.length + 2;
    // Reading the clock every ~500 lines keeps its cost out of the profile.
    if (lines < 512) continue;
    lines = 0;
    if (performance.now() - sliceStart < sliceMs) continue;
    pieces.push(Buffer.from(piece, 'utf8'));
    piece = '';
    await new Promise<void>((resolve) => setImmediate(resolve));
    sliceStart = performance.now();
  }
  if (openMetrics) piece += '# EOF\n';
  pieces.push(Buffer.from(piece, 'utf8'));
  return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
}

function renderFamily(family: Family, openMetrics: boolean): string {
  const typeName = !openMetrics && family.type === 'counter' ? `${family.name}_total` : family.name;
  let out = `# HELP ${typeName} ${escapeHelp(family.help, openMetrics)}\n# TYPE ${typeName} ${family.type}\n`;
  for (const sample of family.samples) {
    out += family.name;
    out += sample.suffix;
    if (sample.labels !== '') out += `{${sample.labels}}`;
    out += ' ';
    out += formatValue(sample.value);
    out += '\n';
  }
  return out;
}

const HELP_UNSAFE = /[\\\n"]/;

/** HELP text: backslash and newline escaped in both formats, double quote in OpenMetrics. */
export function escapeHelp(help: string, openMetrics: boolean): string {
  if (!HELP_UNSAFE.test(help)) return help;
  const escaped = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return openMetrics ? escaped.replace(/"/g, '\\"') : escaped;
}
