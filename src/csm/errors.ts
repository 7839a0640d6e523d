import { HmetricsError } from '../util/errors.js';

/**
 * `csm.start()` was called again with a client id or address other than the running
 * reporter's. Fatal: the one reporter of the process cannot serve two configurations.
 */
export class CsmConflict extends HmetricsError {
  constructor(running: { clientId: string; address: string }, requested: { clientId: string; address: string }) {
    super(
      'ERR_HMETRICS_CSM_CONFLICT',
      `CSM already started with client id ${JSON.stringify(running.clientId)} and address ${JSON.stringify(running.address)}; ` +
        `cannot start it with client id ${JSON.stringify(requested.clientId)} and address ${JSON.stringify(requested.address)}`,
      true,
    );
  }
}
