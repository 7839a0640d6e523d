import { test } from 'node:test';
import { assertOutageBounded } from './helpers/memory-outage.js';

// The full 10 000-interval outage runs in `npm run soak` (test/soak/memory-outage.test.ts);
// this is the same child and the same assertions over 1 000 intervals.
test('regression: a 1 000-interval outage with 10 000 new set members, series and timer values per interval stays bounded; drops counted', async () => {
  await assertOutageBounded(1_000);
});
