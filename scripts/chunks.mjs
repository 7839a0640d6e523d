// The onload bundle's split: a core file that holds what a dyno runs (config, the report loop,
// runtime and container collectors, the Heroku sink and its transport) and one chunk file per
// area, required at the area's first use. A dyno then reads and compiles ~120 KB instead of
// ~300 KB: measured −2.4 ms CPU and wall at startup with `HEROKU_METRICS_URL` set, −3.6 ms with
// nothing configured. Each area pays one small CommonJS file on top of the core.
//
// A chunk is linked to the core, never a copy of it: every import of a module the core already
// holds becomes `require('hmetrics-core:<path>')`, which the chunk's wrapper answers from the
// core's own module table. So each module exists once per copy of hmetrics, with its state,
// classes and caches, exactly as in one file. A chunk is CommonJS whichever format loads it
// (synchronous `require`, as the lazy table needs), wrapped in a function of the core table;
// the ESM and CommonJS cores of an entry share its chunk files.
import { relative, sep } from 'node:path';

/** Lazy-table entries (src/lazy.ts) that live in a chunk, by chunk. The rest stay in the core. */
export const CHUNKS = {
  telemetry: ['telemetryApi', 'telemetryEmitter', 'telemetryFromEnv'],
  statsd: ['statsdFromEnv', 'statsdSink'],
  csm: ['csmFromEnv'],
  'http-monitor': ['httpMonitorFromEnv'],
  'http-server': ['httpServerFromEnv', 'httpServerMonitor'],
  prometheus: ['prometheusFromEnv'],
  otlp: ['otlpFromEnv', 'otlpSink'],
  log: ['logSink'],
  threads: ['threadForwarder', 'threadReceiver'],
  cluster: ['clusterForwarder', 'clusterReceiver'],
  story: ['startStory'],
};

const CHUNK_OF = new Map(Object.entries(CHUNKS).flatMap(([chunk, names]) => names.map((name) => [name, chunk])));

/** The chunk that holds a lazy entry, or undefined when it stays in the core. */
export const chunkOf = (entry) => CHUNK_OF.get(entry);

const CORE = 'hmetrics-core:';

/**
 * What replaces src/lazy.ts's loader in a split core: `chunk(name)` loads a chunk file once and
 * links it, `core(path)` answers a chunk's import of a core module. `modules` are the core
 * modules the chunks import (paths from the package root, as esbuild's metafile names them).
 */
export function coreLinker(format, dir, modules) {
  // The CommonJS core requires each chunk by a literal path, so a bundler that follows
  // `require` (the app's own build) takes the chunks along; our build leaves them external
  // (`chunkFilesExternal`). The ESM core compiles the file itself (`compileChunk`): in an ES
  // module app, `createRequire` and the first `require` of a file compile most of Node's
  // CommonJS loader, ~7.5 M instructions, against ~3 M this way (measured per area, at startup).
  // An app bundled to ES modules keeps hmetrics external either way (docs/api.md).
  const load = format === 'esm' ? (name) => `compileChunk(${JSON.stringify(`./${dir}/${name}.cjs`)})` : (name) => `require(${JSON.stringify(`./${dir}/${name}.cjs`)})`;
  const files = Object.keys(CHUNKS).map((name) => `    case ${JSON.stringify(name)}: return ${load(name)};`);
  const compileChunk = format !== 'esm' ? '' : `
/**
 * A chunk file read and compiled as Node's CommonJS loader does (the same wrapper, the file's
 * own name in stack traces), without that loader. A chunk requires only Node built-ins; its
 * imports of core modules go through the table its factory is given.
 */
function compileChunk(relative: string): any {
  const file = process.getBuiltinModule('node:url').fileURLToPath(new URL(relative, import.meta.url));
  const source = process.getBuiltinModule('node:fs').readFileSync(file, 'utf8');
  const module = { exports: {} as unknown };
  const wrapper = process.getBuiltinModule('node:vm').compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: file });
  wrapper(module.exports, builtinOnly, module, file, process.getBuiltinModule('node:path').dirname(file));
  return module.exports;
}
function builtinOnly(id: string): unknown {
  const found = id.startsWith('node:') ? process.getBuiltinModule(id) : undefined;
  if (found === undefined) throw new Error(\`hmetrics: a chunk requires \${id}, which is not a Node built-in\`);
  return found;
}
`;
  const sorted = [...modules].sort();
  for (const path of sorted) if (!path.startsWith('src/')) throw new Error(`a chunk imports ${path}, outside src/`);
  const local = (path) => `core_${path.slice(4, -3).replace(/\W/g, '_')}`;
  const imports = sorted.map((path) => `import * as ${local(path)} from ${JSON.stringify(`./${path.slice(4).replace(/\.ts$/, '.js')}`)};`);
  const cases = sorted.map((path) => `    case ${JSON.stringify(path)}: return ${local(path)};`);
  return `
${imports.join('\n')}
${compileChunk}
const linked: Record<string, any> = Object.create(null);
/** A chunk's exports, the chunk file loaded and linked to this core at first use. */
function chunk(name: string): any {
  return (linked[name] ??= chunkFile(name)(core));
}
function chunkFile(name: string): (core: (path: string) => unknown) => unknown {
  switch (name) {
${files.join('\n')}
    default: throw new Error(\`hmetrics: no chunk \${name}\`);
  }
}
/** A core module a chunk imports: this copy's instance, never a second one. */
function core(path: string): unknown {
  switch (path) {
${cases.join('\n')}
    default: throw new Error(\`hmetrics: a chunk imports \${path}, which the core does not hold\`);
  }
}
`;
}

/** Our own build keeps the core's chunk requires as they are (relative to the core file). */
export const chunkFilesExternal = (dir) => [`./${dir}/*`];

/** The entry source of a chunk: each of its lazy entries as a namespace export. */
export function chunkEntry(names, pathOf) {
  return names.map((name) => `export * as ${name} from ${JSON.stringify(`./src/${pathOf(name).slice(2)}`)};`).join('\n');
}

/**
 * esbuild plugin for a chunk's build: an import that resolves to a core module becomes an
 * external `hmetrics-core:` require, recorded in `used`; everything else is bundled.
 */
export function linkToCore(root, coreFiles, used) {
  return {
    name: 'hmetrics-link-core',
    setup(b) {
      b.onResolve({ filter: /^\./ }, async (args) => {
        if (args.pluginData?.linking === true) return undefined;
        const result = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { linking: true } });
        if (result.errors.length > 0) return { errors: result.errors };
        const path = relative(root, result.path).split(sep).join('/');
        if (!coreFiles.has(path)) return { path: result.path };
        used.add(path);
        return { path: `${CORE}${path}`, external: true };
      });
    },
  };
}

/**
 * The chunk's wrapper: its code runs inside a function of the core's module table. In
 * parentheses, so V8 compiles it with the file instead of pre-parsing the whole chunk first and
 * parsing it again at the call that always follows (−0.6 to −0.8 M instructions per chunk).
 */
export const chunkWrapper = {
  banner: {
    js: `'use strict';
const __hmetricsRequire = require;
module.exports = (function hmetricsChunk(__hmetricsCore) {
'use strict';
const module = { exports: {} }, exports = module.exports;
const require = (id) => id.startsWith(${JSON.stringify(CORE)}) ? __hmetricsCore(id.slice(${CORE.length})) : __hmetricsRequire(id);`,
  },
  footer: { js: 'return module.exports;\n});' },
};
