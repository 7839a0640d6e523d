/** The output property test at soak size (`npm run soak`): 50 000 cases, or HMETRICS_VALIDITY_CASES. */
import { test } from 'node:test';
import { validityTest } from '../helpers/output-validity-run.js';

const { title, skip, run } = validityTest({ cases: Number(process.env['HMETRICS_VALIDITY_CASES'] ?? 50_000), batch: 2000, etsy: true });
test(title, { skip }, run);
