// Builds what the package's `exports` serve: one pre-built file per entry and format, so a
// process pays for one file's resolution, read and compile instead of one per module (each
// extra file cost about 0.8 ms and 0.4 MB at startup). tsc still type-checks and emits the
// `.d.ts` files and the per-module build the tests run; this runs after it.
//
//   node scripts/build.mjs
//
// Two rewrites keep the lazy parts lazy inside one file:
// - src/lazy.ts: each `load('./x.js') as typeof import('./x.js')` becomes `require('./x.js')`,
//   a static specifier esbuild follows; the module is bundled and its code runs at first use.
//   The two paths of an entry must agree, or the build fails.
// - Every built-in (`node:http` …) is read through
//   `process.getBuiltinModule()` (ESM) or `require()` (CommonJS) in a wrapper that runs with
//   its importer: in ESM a static import would be hoisted to the top of the one file and load
//   in every process; in CommonJS a dynamic `import()` would fail inside Jest.
import { build } from 'esbuild';
import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const LAZY_ENTRY = /load\('([^']+)'\) as typeof import\('([^']+)'\)/g;

/** src/lazy.ts with static `require()`s in place of the runtime loader. */
const lazyTable = {
  name: 'hmetrics-lazy-table',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]lazy\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      let entries = 0;
      const contents = source
        .replace("import { load } from '#load';", '')
        .replace(LAZY_ENTRY, (_, path, typePath) => {
          if (path !== typePath) throw new Error(`src/lazy.ts: load('${path}') is typed as import('${typePath}')`);
          entries++;
          return `require('${path}')`;
        });
      if (/=>\s*load\(/.test(contents)) throw new Error('src/lazy.ts: an entry is not of the form load(\'./x.js\') as typeof import(\'./x.js\')');
      if (entries === 0) throw new Error('src/lazy.ts: no entries found');
      return { contents, loader: 'ts' };
    });
  },
};

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
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: format === 'esm'
        ? `module.exports = process.getBuiltinModule(${JSON.stringify(args.path)});`
        : `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
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

await Promise.all([
  build({ ...common, entryPoints: entries, format: 'esm', outdir: 'dist/bundle', outExtension: { '.js': '.mjs' }, plugins: [lazyTable, lazyBuiltins('esm')] }),
  build({ ...common, entryPoints: entries, format: 'cjs', outdir: 'dist/bundle', outExtension: { '.js': '.cjs' }, plugins: [lazyTable, lazyBuiltins('cjs')] }),
  build({ ...common, entryPoints: { cli: 'src/cli/main.ts' }, format: 'esm', outdir: 'dist/bundle', outExtension: { '.js': '.mjs' }, plugins: [lazyTable, lazyBuiltins('esm')] }),
]);

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
