import { builtin } from './builtin.js';

/** A `diagnostics_channel` name and the handler subscribed to it. */
export type Subscription = readonly [name: string, handler: (message: unknown, name: string | symbol) => void];

/**
 * Subscribes every handler to its channel and returns the function that unsubscribes them all:
 * the one way the HTTP monitors (outgoing and incoming) attach to Node's channels.
 */
export function subscribeAll(subscriptions: readonly Subscription[]): () => void {
  const diagnostics_channel = builtin('node:diagnostics_channel');
  for (const [name, handler] of subscriptions) diagnostics_channel.subscribe(name, handler);
  return () => {
    for (const [name, handler] of subscriptions) diagnostics_channel.unsubscribe(name, handler);
  };
}
