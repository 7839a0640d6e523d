import { formatNumber } from '../metrics/format-number.js';
import type { Snapshot } from '../metrics/snapshot.js';
import { flatten } from './flatten.js';
import type { Sink, SinkOptions } from './sink.js';
import { processEnv } from '../config/read.js';

/** Where log lines go; tests pass their own. */
export type LineWriter = (line: string) => void;

/**
 * `log:` endpoints: one l2met line per interval on stdout, which Heroku's log drains (and
 * librato-style log parsers) read as metrics:
 * `count#name=v … sample#name=v … source=$DYNO`.
 */
export class LogSink implements Sink {
  readonly label = 'log:';
  readonly #options: SinkOptions;
  readonly #write: LineWriter;
  readonly #source: string | undefined;

  constructor(options: SinkOptions, write: LineWriter = (line) => process.stdout.write(line), source = processEnv()['DYNO']) {
    this.#options = options;
    this.#write = write;
    this.#source = source;
  }

  async deliver(snapshot: Snapshot): Promise<void> {
    const line = formatL2met(snapshot, this.#options.percentiles, this.#source);
    if (line.includes('#')) this.#write(`${line}\n`);
  }

  close(): void {}
}

/** One snapshot as an l2met line. */
export function formatL2met(snapshot: Snapshot, percentiles: readonly number[], source: string | undefined): string {
  const flat = flatten(snapshot, percentiles);
  const parts: string[] = [];
  // Values at the precision they were measured (see formatNumber); NaN and ±Infinity are left out.
  for (const [name, value] of Object.entries(flat.counters)) {
    const text = formatNumber(value);
    if (text !== undefined) parts.push(`count#${name}=${text}`);
  }
  for (const [name, value] of Object.entries(flat.gauges)) {
    const text = formatNumber(value);
    if (text !== undefined) parts.push(`sample#${name}=${text}`);
  }
  if (source) parts.push(`source=${source.replace(/\s/g, '_')}`);
  return parts.join(' ');
}
