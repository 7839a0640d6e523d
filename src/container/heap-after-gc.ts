import { v8 } from '../runtime/memory-reading.js';
import { shared } from '../util/global-state.js';

/**
 * Heap used after the last full GC, fed by the runtime's one GC observer (the container
 * collector subscribes `noteFullGc()` to src/runtime/gc-source.ts for every mark-sweep entry; no
 * second observer, no timer). The entry
 * reaches the observer a loop turn after its GC, so the figure includes what that turn
 * allocated: a little high, never low, and stable from one full GC to the next, which is what
 * a leak's slope needs. One value per process, whichever copy of the package observes.
 */
const state = shared<{ bytes?: number }>('container.heapAfterGc', () => ({}));

/** Called by the GC observer for each full GC in a batch; reads the heap once per call. */
export function noteFullGc(): void {
  try {
    state.bytes = v8().getHeapStatistics().used_heap_size;
  } catch {
    // never into the observer
  }
}

/** Heap used after the last full GC, bytes, or undefined before the first one. */
export function heapAfterLastFullGc(): number | undefined {
  return state.bytes;
}
