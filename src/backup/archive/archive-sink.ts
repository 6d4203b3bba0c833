import type { Writable } from 'node:stream';

/**
 * Where an archive's bytes go: a stream that becomes visible under its final name only on commit(), so a crash,
 * a failed write or abort() never leaves something that looks like a complete archive. A local file is written as
 * `.partial` and renamed; an object in a bucket is a multipart upload completed (or aborted) at the end.
 */
export interface ArchiveSink {
  /** The final name, for messages: a path or an s3:// address. */
  readonly name: string;
  readonly stream: Writable;
  /** Called after `stream` has finished: make the whole archive visible at once. */
  commit(): Promise<void>;
  /** Drop whatever was written; nothing remains visible under `name`. */
  abort(): Promise<void>;
}
