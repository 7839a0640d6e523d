import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { EtsyStatsd } from './etsy-statsd.js';
import { compileProtos, generateCase, missingTools, removeDir, shrink, validate, type Case } from './output-validity.js';

/**
 * Sets up the property test's parsers and returns its title, skip reason and body: `cases`
 * seeded cases in batches (one parser process per batch). The caller registers the test, so the
 * runner reports it under the test file's name.
 */
export function validityTest(options: { cases: number; batch: number; etsy: boolean }): { title: string; skip: string | false; run: () => Promise<void> } {
  const missing = missingTools();
  // HMETRICS_VALIDITY_SEED replays a reported failure.
  const seed = Number(process.env['HMETRICS_VALIDITY_SEED'] ?? 0x5eed);
  let pythonPath = '';
  let etsy: EtsyStatsd | undefined;
  before(async () => {
    if (missing) return;
    pythonPath = compileProtos();
    if (options.etsy) etsy = await EtsyStatsd.start({ flushInterval: 50 });
  });
  after(async () => {
    if (pythonPath) removeDir(pythonPath);
    await etsy?.close();
  });

  const title = `${options.cases} generated cases: every output passes independent strict parsers and the data-model rules (seed ${seed})`;
  const run = async (): Promise<void> => {
    for (let start = 0; start < options.cases; start += options.batch) {
      const cases: Case[] = [];
      for (let i = start; i < Math.min(options.cases, start + options.batch); i++) cases.push(generateCase(seed, i));
      const failures = await validate(cases, pythonPath, etsy);
      if (failures.size === 0) continue;
      const [index, why] = [...failures][0]!;
      const fails = async (c: Case): Promise<boolean> => (await validate([c], pythonPath, etsy)).size > 0;
      const smallest = await shrink(cases[index]!, fails);
      const finding = (await validate([smallest], pythonPath, etsy)).get(0) ?? why;
      assert.fail([
        `${failures.size} of ${cases.length} cases fail. Replay: HMETRICS_VALIDITY_SEED=${seed}, case ${start + index}.`,
        `First finding: ${why}`,
        `Smallest failing input (${smallest.ops.length} op(s), first ${smallest.split} in interval 1): ${JSON.stringify(smallest.ops)}`,
        `Its finding: ${finding}`,
      ].join('\n'));
    }
  };
  return { title, skip: missing ?? false, run };
}
