/**
 * The CommonJS build's `#load` (see load.ts): this module's own `require`, which resolves
 * relative to `src/` just as the ESM version does, and inside Jest is Jest's registry require.
 */
export const load: NodeJS.Require = require;
