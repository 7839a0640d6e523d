import { debug } from '../../util/debug.js';
import { InvalidEndpoint, InvalidOption } from '../../util/errors.js';
import type { Tags } from '../../metrics/series.js';
import { describeValue } from '../../util/check.js';
import { processEnv } from '../../config/read.js';

/**
 * How tags reach a statsd server: `dogstatsd` appends `|#k:v,…` to each line (Datadog agent,
 * gostatsd, Telegraf's `datadog_extensions`); `none` sends no tags and folds every tag into the
 * name as the Heroku sink does (`api.hits|#code:200` → `api.hits.code_200`), for plain Etsy
 * statsd / Graphite servers.
 */
export type StatsdTagsMode = 'dogstatsd' | 'none';

export const STATSD_TAGS_MODES: readonly StatsdTagsMode[] = ['dogstatsd', 'none'];

/** The statsd conventions of hot-shots and the Datadog agent, as sink options. */
export interface StatsdConventionOptions {
  /**
   * Prepended to every name (`myapp.` → `myapp.node.gc.collections`). A `.` is added when it
   * ends in a letter or digit. `[A-Za-z0-9_.-]` only.
   * @default `HMETRICS_STATSD_PREFIX`, else none
   */
  readonly prefix?: string;
  /**
   * Tags on every line: `key:value` (or bare `key`) strings, or one string `k:v,k2:v2`.
   * A series' own tag with the same key wins.
   * @default `HMETRICS_STATSD_TAGS`, else none
   */
  readonly tags?: readonly string[] | string;
  /** See {@link StatsdTagsMode}. @default `HMETRICS_STATSD_TAGS_MODE`, else `'dogstatsd'` */
  readonly tagsMode?: StatsdTagsMode;
  /**
   * Where `HMETRICS_STATSD_PREFIX`, `HMETRICS_STATSD_TAGS`, `HMETRICS_STATSD_TAGS_MODE`,
   * `DD_ENV`, `DD_SERVICE`, `DD_VERSION`, `DD_ENTITY_ID`, `DD_TAGS` and `DYNO` are read from;
   * `{}` reads none of them.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What the encoder applies to every line. */
export interface StatsdConventions {
  /** Already sanitised; empty for none. */
  readonly prefix: string;
  /** `key:value` or bare `key`, already sanitised, one per key. */
  readonly globalTags: Tags;
  readonly tagsMode: StatsdTagsMode;
}

/** DogStatsD unified service tagging, and what hot-shots sends for each variable. */
const DATADOG_ENV_TAGS = [
  ['DD_ENV', 'env'],
  ['DD_SERVICE', 'service'],
  ['DD_VERSION', 'version'],
  ['DD_ENTITY_ID', 'dd.internal.entity_id'],
] as const;

/** Datadog's limit on one tag; longer ones are refused. */
export const MAX_TAG_LENGTH = 200;

const PREFIX_CHARS = /[^A-Za-z0-9_.-]/g;
// Characters that would end a tag, a section or a line in the DogStatsD grammar (and `@`, a
// sample rate to some parsers).
const TAG_BREAKERS = /[|,#@\s]/g;
// hot-shots' sanitising of DD_* values: a `:` would read as a second key/value split.
const DATADOG_VALUE_BREAKERS = /[:|@,#\n\r]/g;

/**
 * The conventions for one sink. Each setting comes from the constructor option, else the
 * endpoint's query string (`?prefix=app.&tags=team:web&tagsMode=none`), else the environment.
 * A bad value given in code or in the URL throws (`InvalidOption` / `InvalidEndpoint`, naming the
 * setting and the character, never the URL's secrets); a bad value in the environment never stops
 * reporting: it is sanitised (or the tag skipped) and named once in the verbose log.
 */
export function resolveConventions(url: URL, options: StatsdConventionOptions): StatsdConventions {
  const env = options.env ?? processEnv();
  const query = url.searchParams;

  const prefixSource = pick(options.prefix, query.get('prefix'), env['HMETRICS_STATSD_PREFIX'], 'prefix', 'HMETRICS_STATSD_PREFIX');
  const prefix = prefixSource === undefined ? '' : checked(cleanPrefix(prefixSource.value), prefixSource);

  const modeSource = pick(options.tagsMode, query.get('tagsMode'), env['HMETRICS_STATSD_TAGS_MODE'], 'tagsMode', 'HMETRICS_STATSD_TAGS_MODE');
  let tagsMode: StatsdTagsMode = 'dogstatsd';
  if (modeSource !== undefined) {
    const mode = String(modeSource.value).trim().toLowerCase();
    if ((STATSD_TAGS_MODES as readonly string[]).includes(mode)) tagsMode = mode as StatsdTagsMode;
    else {
      const got = modeSource.from === 'query' ? 'something else' : describeValue(modeSource.value);
      checked({ value: '', problems: [`expected one of ${STATSD_TAGS_MODES.join(', ')}, got ${got}`] }, modeSource);
    }
  }

  // Lowest precedence first; a later tag replaces an earlier one with the same key.
  const merged = new Map<string, string>();
  const add = (tags: readonly string[]): void => {
    for (const tag of tags) {
      const key = tagKey(tag);
      merged.delete(key); // re-inserted last, so the order shows the precedence
      merged.set(key, tag);
    }
  };
  const dyno = env['DYNO']?.trim();
  if (dyno) add([`dyno:${dyno.replace(TAG_BREAKERS, '_')}`]);
  const ddTags = (env['DD_TAGS'] ?? env['DATADOG_TAGS'])?.trim();
  if (ddTags) add(checked(parseTags(ddTags, ddTags.includes(',') ? ',' : /\s+/), { value: ddTags, from: 'env', name: 'DD_TAGS' }));
  const tagsSource = pick(options.tags, query.get('tags'), env['HMETRICS_STATSD_TAGS'], 'tags', 'HMETRICS_STATSD_TAGS');
  if (tagsSource !== undefined) add(checked(parseTags(tagsSource.value, ','), tagsSource));
  for (const [variable, key] of DATADOG_ENV_TAGS) {
    const value = env[variable]?.trim();
    if (value) add([`${key}:${value.replace(DATADOG_VALUE_BREAKERS, '_')}`]);
  }
  return { prefix, globalTags: Object.freeze([...merged.values()]), tagsMode };
}

/** The key of a tag: the text before its first `:`, or the whole bare tag. */
export function tagKey(tag: string): string {
  const colon = tag.indexOf(':');
  return colon < 0 ? tag : tag.slice(0, colon);
}

interface Source<T> {
  readonly value: T;
  readonly from: 'option' | 'query' | 'env';
  readonly name: string;
}

function pick<T>(option: T | undefined, query: string | null, env: string | undefined, name: string, variable: string): Source<T | string> | undefined {
  if (option !== undefined) return { value: option, from: 'option', name };
  if (query !== null) return { value: query, from: 'query', name };
  if (env !== undefined && env.trim() !== '') return { value: env, from: 'env', name: variable };
  return undefined;
}

interface Cleaned<T> {
  readonly value: T;
  readonly problems: readonly string[];
}

/** The cleaned value; problems throw for code and URLs, and are logged for the environment. */
function checked<T>(cleaned: Cleaned<T>, source: Source<unknown>): T {
  if (cleaned.problems.length === 0) return cleaned.value;
  const problems = cleaned.problems.join('; ');
  if (source.from === 'option') throw new InvalidOption(`Expected statsd \`${source.name}\` to be usable: ${problems}`);
  if (source.from === 'query') throw new InvalidEndpoint(`the udp: endpoint's \`${source.name}\` parameter cannot be used: ${problems}`);
  debug(`statsd sink: ${source.name}: ${problems}; using what is left`);
  return cleaned.value;
}

/** Sanitises a prefix; each change is a problem to report. */
export function cleanPrefix(raw: unknown): Cleaned<string> {
  if (typeof raw !== 'string') return { value: '', problems: [`expected a string, got ${describeValue(raw)}`] };
  const problems: string[] = [];
  let prefix = raw.trim();
  const bad = prefix.match(PREFIX_CHARS);
  if (bad) {
    problems.push(`${describeChars(bad)} cannot be part of a statsd name (replaced by _)`);
    prefix = prefix.replace(PREFIX_CHARS, '_');
  }
  if (/^\.|\.\./.test(prefix)) {
    problems.push('a leading or doubled `.` would make an empty name segment (removed)');
    prefix = prefix.replace(/\.{2,}/g, '.').replace(/^\.+/, '');
  }
  if (/[A-Za-z0-9]$/.test(prefix)) prefix += '.';
  return { value: prefix, problems };
}

/** Splits and checks a tag list; bad characters are replaced, unusable tags skipped. */
export function parseTags(raw: unknown, separator: string | RegExp): Cleaned<string[]> {
  let parts: string[];
  if (typeof raw === 'string') parts = raw.split(separator);
  else if (Array.isArray(raw) && raw.every((tag) => typeof tag === 'string')) parts = raw as string[];
  else return { value: [], problems: [`expected tag strings (\`key:value\`), got ${describeValue(raw)}`] };
  const problems: string[] = [];
  const tags: string[] = [];
  // Tags are named by position, not quoted: the list may come from a URL's query string.
  parts.forEach((part, index) => {
    const tag = part.trim();
    if (tag === '') return; // `a:1,,b:2` and a trailing comma are harmless
    if (tag.startsWith(':')) {
      problems.push(`tag ${index + 1} has no key (skipped)`);
      return;
    }
    if (tag.length > MAX_TAG_LENGTH) {
      problems.push(`tag ${index + 1} has ${tag.length} characters, over ${MAX_TAG_LENGTH} (skipped)`);
      return;
    }
    const bad = tag.match(TAG_BREAKERS);
    if (bad) problems.push(`tag ${index + 1} has ${describeChars(bad)}, which would break the DogStatsD line (replaced by _)`);
    tags.push(bad ? tag.replace(TAG_BREAKERS, '_') : tag);
  });
  return { value: tags, problems };
}

function describeChars(chars: readonly string[]): string {
  return [...new Set(chars)].map((c) => JSON.stringify(c)).join(', ');
}

