/** A parsed exposition: `# TYPE` per family and every sample line, for assertions. */
export interface Parsed {
  readonly types: Map<string, string>;
  readonly samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the text format 0.0.4 or OpenMetrics (enough for tests; promtool is the strict judge). */
export function parseExposition(text: string): Parsed {
  const types = new Map<string, string>();
  const samples: Parsed['samples'] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name = '', type = ''] = line.split(' ');
      types.set(name, type);
    } else if (line !== '' && !line.startsWith('#')) {
      const match = SAMPLE.exec(line);
      if (!match) throw new Error(`unparsable sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const m of (match[2] ?? '').matchAll(LABEL)) labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      const raw = match[3]!;
      samples.push({ name: match[1]!, labels, value: raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw) });
    }
  }
  return { types, samples };
}

/** The value of the one sample named `name` whose labels include `labels`. */
export function valueOf(parsed: Parsed, name: string, labels: Record<string, string> = {}): number | undefined {
  return parsed.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}
