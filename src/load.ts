import { createRequire } from 'node:module';

/**
 * Synchronous loading of our own modules, relative to `src/` (`load('./loop/report.js')`), for the
 * parts loaded lazily at first use. The ESM build's version: `require()` of our ESM files is
 * synchronous on Node >= 20.19 and shares the module cache with `import`. The CommonJS build
 * uses load-cjs.ts instead (package.json `imports` maps `#load` per build), because
 * `import.meta` is a syntax error in CommonJS.
 */
export const load: NodeJS.Require = createRequire(import.meta.url);
