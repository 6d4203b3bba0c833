// What an operator reads for a file-system error code; the code itself follows in parentheses, for searching.
const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

/** "no space left on device (ENOSPC)"; the error's own message where its code is not one of these. */
export function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  const reason = code ? REASONS[code] : undefined;
  if (reason) return `${reason} (${code})`;
  const message = e instanceof Error ? e.message : String(e);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}
