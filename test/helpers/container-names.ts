import { ContainerMetric, NodeMemoryMetric } from '../../src/metrics/names.js';

/**
 * The container collector's names (docs/container.md). Which of them a sample holds depends on
 * the machine (cgroup version, limits, a full GC having run): tests of the other runtime names
 * set them apart and check them in test/container-*.test.ts.
 */
export const CONTAINER_NAMES: ReadonlySet<string> = new Set([...Object.values(ContainerMetric), ...Object.values(NodeMemoryMetric)]);

/** `names` without the container collector's. */
export function withoutContainerNames(names: readonly string[]): string[] {
  return names.filter((name) => !CONTAINER_NAMES.has(name));
}
