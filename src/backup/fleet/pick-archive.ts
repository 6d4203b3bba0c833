import type { ArchiveEntry } from './list-archives.ts';

/** The newest archive taken at or before `at` (a list from listArchives, for one tenant), or null. */
export function pickArchive(archives: readonly ArchiveEntry[], at: Date): ArchiveEntry | null {
  let best: ArchiveEntry | null = null;
  for (const a of archives) if (a.takenAt.getTime() <= at.getTime() && (!best || a.takenAt >= best.takenAt)) best = a;
  return best;
}
