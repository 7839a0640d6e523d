import type { Snapshot } from '../metrics/snapshot.js';
import type { Sink } from '../sinks/sink.js';
import { CLUSTER_TAG, type ClusterMessage } from './cluster-receiver.js';
import { encodeSnapshot } from './wire.js';
import type { StopSignal } from '../util/stop.js';

/**
 * A cluster worker's outlet: each snapshot goes to the primary over IPC (`process.send`, a
 * tagged message), which merges it the moment it arrives. Once `final` is set (the worker is
 * stopping), its messages say so: the primary's own final delivery waits for them.
 */
export class IpcSink implements Sink {
  readonly label = 'cluster primary (IPC)';
  /** Set when the worker stops: the deliveries from now on are its last. */
  final = false;

  deliver(snapshot: Snapshot, signal: StopSignal): Promise<void> {
    // No channel (the primary is gone): nobody to send to, and nothing to keep for later.
    if (!process.connected || typeof process.send !== 'function') return Promise.resolve();
    const message: ClusterMessage = { tag: CLUSTER_TAG, pid: process.pid, snapshot: encodeSnapshot(snapshot), ...(this.final ? { final: true } : {}) };
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) { reject(new Error('IPC send cut')); return; }
      process.send!(message, undefined, {}, (error) => (error ? reject(error) : resolve()));
    });
  }

  close(): void {
    // Nothing held: the IPC channel is the process's, not ours.
  }
}
