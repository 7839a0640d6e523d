/**
 * The defaults of `report()`, in their own module so `onload` can read them without loading
 * the loop itself.
 */
export const REPORT_DEFAULTS = {
  interval: 20_000,
  timeout: 10_000,
  flushTimeout: 2_000,
} as const;
