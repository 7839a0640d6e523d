import { test } from 'node:test';
import { assertOutageBounded } from '../helpers/memory-outage.js';

test('soak: a 10 000-interval outage with 10 000 new set members, series and timer values per interval stays bounded; drops counted', async () => {
  await assertOutageBounded(10_000);
});
