// Named imports: a default import would appear in the .d.ts and break consumers compiled
// without esModuleInterop (TypeScript's node10 projects).
import { channel, type Channel } from 'node:diagnostics_channel';

/** Why the next emission was scheduled when it was. */
export type ScheduleReason = 'first' | 'next' | 'fallback' | 'too-many-requests' | 'retry' | 'after-failure';

/** A message on `hmetrics:telemetry:schedule`. */
export interface TelemetryScheduleMessage {
  /** Milliseconds until the next emission (or retry). */
  readonly delay: number;
  readonly reason: ScheduleReason;
}

/** A message on `hmetrics:telemetry:post`: one POST is about to go out. */
export interface TelemetryPostMessage {
  /** The payload's `timestamp` field. */
  readonly timestamp: string;
}

/**
 * The emitter's diagnostics channels, for anyone following its cadence (a dashboard of the
 * emitter itself, or a test that mocks timers and needs to know when one was armed). Published
 * only while someone subscribes, so they cost nothing otherwise.
 *
 * @example
 * import diagnostics_channel from 'node:diagnostics_channel';
 * diagnostics_channel.subscribe('hmetrics:telemetry:schedule', ({ delay, reason }) => console.log(delay, reason));
 */
export const TELEMETRY_CHANNELS = {
  schedule: 'hmetrics:telemetry:schedule',
  post: 'hmetrics:telemetry:post',
} as const;

export const scheduleChannel: Channel = channel(TELEMETRY_CHANNELS.schedule);
export const postChannel: Channel = channel(TELEMETRY_CHANNELS.post);
