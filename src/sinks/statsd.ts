import { DeliveryFailed } from '../errors.js';
import type { Snapshot } from '../metrics/snapshot.js';
import { redactEndpoint } from '../redact.js';
import type { Sink, SinkOptions } from './sink.js';

/** Placeholder until the statsd sink lands (issue 4): `udp://host:port` endpoints. */
export class StatsdSink implements Sink {
  readonly label: string;

  constructor(url: URL, _options: SinkOptions) {
    this.label = redactEndpoint(url);
  }

  async deliver(_snapshot: Snapshot): Promise<void> {
    throw new DeliveryFailed(this.label, 'statsd sink not implemented yet');
  }

  close(): void {}
}
