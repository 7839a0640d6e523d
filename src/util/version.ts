/**
 * hmetrics' version, as in package.json (a test holds them equal). A constant rather than a
 * read of package.json: the ESM and CommonJS builds sit at different depths below it.
 */
export const VERSION = '0.1.0';
