import { rmSync } from 'node:fs';

// Every `.partial` file an ArchiveWriter has open in this process. A signal handler cannot await a writer's
// abort(): it removes these synchronously before the process exits, so an interrupt never leaves one behind.
const open = new Set<string>();

export function trackPartial(path: string): void {
  open.add(path);
}

export function untrackPartial(path: string): void {
  open.delete(path);
}

/** Removes every partial archive still open and returns the paths of the finished files they would have become. */
export function removePartials(): string[] {
  const removed: string[] = [];
  for (const p of open) {
    rmSync(p, { force: true });
    removed.push(p.replace(/\.partial$/, ''));
  }
  open.clear();
  return removed;
}
