import { test } from 'node:test';
import { fuzzReceiver } from '../helpers/receive-fuzz.js';

// `npm run soak`: minutes of hostile input, a fresh seed per run (printed, to replay with HMETRICS_FUZZ_SEED).
test('hmetrics receive: long fuzz of its HTTP input', { timeout: 15 * 60_000 }, async () => {
  const seed = Number(process.env['HMETRICS_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 32));
  const minutes = Number(process.env['HMETRICS_SOAK_MINUTES'] ?? 2);
  const result = await fuzzReceiver(seed, minutes * 60_000);
  console.log(`seed ${seed}: ${result.cases} cases, answers ${JSON.stringify(result.statuses)}, peak in flight ${result.peakInFlight} bytes`);
});
