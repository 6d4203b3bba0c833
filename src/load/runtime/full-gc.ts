/**
 * The gc function V8 put on this thread's global: a shared VU thread boots while --expose-gc is set
 * (vu/boot-with-gc.ts). It is taken off the global at once, before any script runs, because the VUs'
 * scripts run in this same context; the property cannot be deleted (not configurable), only emptied.
 */
const g = globalThis as { gc?: unknown };
const gc = typeof g.gc === 'function' ? (g.gc as () => void) : undefined;
if (gc) g.gc = undefined;

/** A full, blocking collection of this thread's heap; nothing where the thread booted without gc. */
export function fullGc(): void {
  gc?.();
}
