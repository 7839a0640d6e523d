import { addressWithDefaults } from './address.js';
import { get, start } from './reporter.js';

/**
 * AWS client-side monitoring, shaped like the AWS SDKs' `csm` package: `start(clientId,
 * address)` returns the process' one reporter, `get()` returns it (or `undefined`),
 * `addressWithDefaults(host, port)` builds an address the way the SDKs do.
 *
 * @example
 * import { csm } from 'hmetrics';
 * const reporter = csm.start('my-app', csm.addressWithDefaults('', ''));
 * reporter.injectHandlers(s3Client);
 */
export const csm = Object.freeze({ start, get, addressWithDefaults });
