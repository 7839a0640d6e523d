// Builds what the package's `exports` serve: one pre-built file per entry and format, so a
// process pays for one file's resolution, read and compile instead of one per module (each
// extra file cost about 0.8 ms and 0.4 MB at startup). tsc still type-checks and emits the
// `.d.ts` files and the per-module build the tests run; this runs after it.
//
// onload, the entry every dyno loads, is one core file plus a chunk file per area, required at
// the area's first use (scripts/chunks.mjs): a dyno compiles 138 KB instead of 304 KB.
//
//   node scripts/build.mjs
//
// Two rewrites keep the lazy parts lazy:
// - src/lazy.ts: each `load('./x.js') as typeof import('./x.js')` becomes `require('./x.js')`,
//   a static specifier esbuild follows; the module is bundled and its code runs at first use.
//   In the onload core an area's entry loads its chunk instead, and every other entry becomes a
//   static import: the core is then one scope with no lazy module wrappers. Measured against
//   lazy wrappers: an idle dyno at a 1 s interval −0.35 ms of CPU per second (−14 %, three runs
//   of 8–10 rounds), a dyno's startup −6 M instructions but the same CPU time and +0.2–0.4 MB
//   peak RSS (every module's top level runs at import: ~110 KB more in V8's young generation,
//   and a second scavenge), nothing configured +0.5–1.3 ms. The two paths of an entry must
//   agree, or the build fails.
// - Every built-in (`node:http` …) is an object of getters that read it through
//   `process.getBuiltinModule()` (ESM) or `require()` (CommonJS) at its first use: an import
//   hoisted to the top of a file would otherwise load it in every process; in CommonJS a
//   dynamic `import()` would fail inside Jest.
import { build } from 'esbuild';
import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CHUNKS, chunkEntry, chunkFilesExternal, chunkOf, chunkWrapper, coreLinker, linkToCore } from './chunks.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const LAZY_ENTRY = /(\w+): \(\) => load\('([^']+)'\) as typeof import\('([^']+)'\)/g;
const LAZY_SOURCE = readFileSync(`${root}src/lazy.ts`, 'utf8');
/** Each lazy entry's path, relative to src/ (`./loop/report.js`). */
const LAZY_PATHS = new Map([...LAZY_SOURCE.matchAll(LAZY_ENTRY)].map(([, name, path]) => [name, path]));

/**
 * src/lazy.ts with static `require()`s in place of the runtime loader. With `split` (a split
 * entry's core, scripts/chunks.mjs), an entry that lives in a chunk loads its chunk instead.
 */
const lazyTable = (format, split) => ({
  name: 'hmetrics-lazy-table',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]lazy\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      let entries = 0;
      const imports = [];
      const contents = source
        .replace("import { load } from '#load';", '')
        .replace(LAZY_ENTRY, (_, name, path, typePath) => {
          if (path !== typePath) throw new Error(`src/lazy.ts: load('${path}') is typed as import('${typePath}')`);
          entries++;
          if (split === undefined) return `${name}: () => require('${path}')`;
          const chunk = chunkOf(name);
          if (chunk !== undefined) return `${name}: () => chunk('${chunk}').${name}`;
          imports.push(`import * as ${name}Module from '${path}';`);
          return `${name}: () => ${name}Module`;
        });
      if (/=>\s*load\(/.test(contents)) throw new Error('src/lazy.ts: an entry is not of the form load(\'./x.js\') as typeof import(\'./x.js\')');
      if (entries === 0) throw new Error('src/lazy.ts: no entries found');
      return { contents: split === undefined ? contents : imports.join('\n') + contents + coreLinker(format, split.dir, split.modules), loader: 'ts' };
    });
  },
});

const BUILTINS = new Set(builtinModules);

/**
 * Built-ins read at first use, by whichever module needs them first: through
 * process.getBuiltinModule in the ESM bundles, through require() in the CommonJS ones (where
 * a dynamic `import()` left as is fails inside Jest's sandbox without --experimental-vm-modules).
 */
const lazyBuiltins = (format) => ({
  name: 'hmetrics-lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^[a-z_:/]+$/, namespace: 'file' }, (args) => {
      const id = args.path.replace(/^node:/, '');
      if (!BUILTINS.has(id)) return undefined;
      return { path: `node:${id}`, namespace: 'builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => {
      const id = JSON.stringify(args.path);
      const get = format === 'esm' ? `process.getBuiltinModule(${id})` : `require(${id})`;
      // Each export a getter, so the built-in loads at its first use even where the bundler
      // hoists the import to the top of the file (the onload core is one scope).
      const names = Object.keys(process.getBuiltinModule(args.path)).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name));
      return {
        contents: `let loaded;\nconst builtin = () => (loaded ??= ${get});\nmodule.exports = {\n${names.map((name) => `  get ${name}() { return builtin().${name}; },`).join('\n')}\n};\n`,
        loader: 'js',
      };
    });
  },
});

const entries = { index: 'src/index.ts', onload: 'onload/index.ts' };
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'none',
  // Whitespace and syntax only: names stay readable in stack traces (measured: ~1 ms less CPU
  // at startup than unminified, from parsing half the bytes).
  minifyWhitespace: true,
  minifySyntax: true,
  // Class names are API (error names, `new.target.name`), yet no `keepNames`: its ~560
  // `__name()` calls ran at every startup (measured: about −1 ms CPU and −0.8 MB peak RSS on a
  // dyno without them). esbuild renames only what collides; the check below fails the build
  // if that ever hits a class.
  keepNames: false,
  tsconfig: 'tsconfig.json',
};

for (const names of Object.values(CHUNKS)) {
  for (const name of names) if (!LAZY_PATHS.has(name)) throw new Error(`scripts/chunks.mjs: ${name} is not an entry of src/lazy.ts`);
}
/** The package's own modules in a build (paths from the package root). */
const inputsOf = (result) => new Set(Object.keys(result.metafile.inputs).filter((path) => /^(src|onload)\//.test(path)));

// onload is split (scripts/chunks.mjs). First the core's module set, then each chunk linked to
// it (recording which core modules the chunks import), then the cores with that table.
const CHUNK_DIR = 'onload-chunks';
const coreOf = (format, modules) => ({
  ...common, entryPoints: { onload: 'onload/index.ts' }, format, outdir: 'dist/bundle', metafile: true, external: chunkFilesExternal(CHUNK_DIR),
  outExtension: { '.js': format === 'esm' ? '.mjs' : '.cjs' },
  plugins: [lazyTable(format, { dir: CHUNK_DIR, modules }), lazyBuiltins(format)],
});
const coreFiles = inputsOf(await build({ ...coreOf('esm', []), write: false }));
/** Builds every chunk linked to `core`; returns each chunk's own modules. */
async function buildChunks(core, linked) {
  const owned = new Map();
  await Promise.all(Object.entries(CHUNKS).map(async ([chunk, names]) => {
    const result = await build({
      ...common, ...chunkWrapper, format: 'cjs', metafile: true, outfile: `dist/bundle/${CHUNK_DIR}/${chunk}.cjs`,
      stdin: { contents: chunkEntry(names, (name) => LAZY_PATHS.get(name)), resolveDir: root, sourcefile: `${chunk}-chunk.ts`, loader: 'ts' },
      plugins: [linkToCore(root, core, linked), lazyBuiltins('cjs')],
    });
    owned.set(chunk, inputsOf(result));
  }));
  return owned;
}
// A module two chunks import would exist twice, each copy with its own state: it joins the
// core, and the chunks are linked again.
const seen = new Set();
const shared = new Set();
for (const files of (await buildChunks(coreFiles, new Set())).values()) {
  for (const file of files) (seen.has(file) ? shared : seen).add(file);
}
const linked = new Set();
const linkedCore = new Set([...coreFiles, ...shared]);
for (const [chunk, files] of await buildChunks(linkedCore, linked)) {
  const twice = [...files].filter((file) => linkedCore.has(file));
  if (twice.length > 0) throw new Error(`the ${chunk} chunk still holds core modules: ${twice.join(', ')}`);
}

const [esmCore, cjsCore] = await Promise.all([
  build(coreOf('esm', linked)),
  build(coreOf('cjs', linked)),
  build({ ...common, entryPoints: { index: 'src/index.ts' }, format: 'esm', outdir: 'dist/bundle', outExtension: { '.js': '.mjs' }, plugins: [lazyTable('esm'), lazyBuiltins('esm')] }),
  build({ ...common, entryPoints: { index: 'src/index.ts' }, format: 'cjs', outdir: 'dist/bundle', outExtension: { '.js': '.cjs' }, plugins: [lazyTable('cjs'), lazyBuiltins('cjs')] }),
  build({ ...common, entryPoints: { cli: 'src/cli/main.ts' }, format: 'esm', outdir: 'dist/bundle', outExtension: { '.js': '.mjs' }, plugins: [lazyTable('esm'), lazyBuiltins('esm')] }),
]);
// The ESM core compiles a chunk with a require that answers Node built-ins only (chunks.mjs).
for (const file of readdirSync(`${root}dist/bundle/${CHUNK_DIR}`).filter((name) => name.endsWith('.cjs'))) {
  for (const [, id] of readFileSync(`${root}dist/bundle/${CHUNK_DIR}/${file}`, 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)) {
    if (!id.startsWith('node:') && !id.startsWith('hmetrics-core:')) throw new Error(`${CHUNK_DIR}/${file} requires ${id}: a chunk may require only Node built-ins and core modules`);
  }
}
for (const file of ['onload.mjs', 'onload.cjs']) {
  // A lazy require() left in the core makes esbuild wrap that module and everything it imports.
  if (readFileSync(`${root}dist/bundle/${file}`, 'utf8').includes('__esm(')) {
    throw new Error(`dist/bundle/${file}: a module is wrapped for lazy initialisation; the core must be one scope (import it statically, or move it to a chunk)`);
  }
}
for (const result of [esmCore, cjsCore]) {
  const files = inputsOf(result);
  const differ = [...files].filter((file) => !linkedCore.has(file)).concat([...linkedCore].filter((file) => !files.has(file)));
  if (differ.length > 0) throw new Error(`the onload core is not the core its chunks were linked to: ${differ.join(', ')}`);
}

// Every class in a bundle keeps its source name: one esbuild had to rename (two modules
// declaring the same class name) would change an error's `name`.
const declared = new Set();
for (const dir of ['src', 'onload']) {
  for (const file of readdirSync(`${root}${dir}`, { recursive: true })) {
    if (!file.endsWith('.ts')) continue;
    for (const [, name] of readFileSync(`${root}${dir}/${file}`, 'utf8').matchAll(/\bclass\s+(?!extends\b)([A-Za-z_$][\w$]*)/g)) declared.add(name);
  }
}
for (const file of readdirSync(`${root}dist/bundle`)) {
  if (!/\.[cm]js$/.test(file)) continue;
  for (const [, name] of readFileSync(`${root}dist/bundle/${file}`, 'utf8').matchAll(/\bclass\s+(?!extends\b)([A-Za-z_$][\w$]*)/g)) {
    if (!declared.has(name)) throw new Error(`dist/bundle/${file}: class ${name} was renamed by the bundler (a name declared twice in src/): rename one of them`);
  }
}
