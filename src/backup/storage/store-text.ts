import { once } from 'node:events';
import type { BackupStore } from './backup-store.ts';

/** Writes a small object whole: visible at once or not at all (temp + rename locally, one PUT in a bucket). */
export async function putText(store: BackupStore, name: string, text: string): Promise<void> {
  const sink = store.put(name);
  try {
    sink.stream.end(text);
    await once(sink.stream, 'finish');
    await sink.commit();
  } catch (e) {
    await sink.abort();
    throw e;
  }
}

export async function getText(store: BackupStore, name: string): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of store.get(name)) parts.push(c);
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Whether a store's read failed because there is no such object: a local file not there (ENOENT), a key the bucket
 * does not have (HTTP 404, NoSuchKey).
 */
export function isMissingObject(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException & { cause?: { name?: string; $metadata?: { httpStatusCode?: number } } };
  return err?.code === 'ENOENT' || err?.cause?.name === 'NoSuchKey' || err?.cause?.$metadata?.httpStatusCode === 404;
}

/** A small object's text, or null if there is no such object (isMissingObject). Other failures throw. */
export async function getTextIfAny(store: BackupStore, name: string): Promise<string | null> {
  try {
    return await getText(store, name);
  } catch (e) {
    if (isMissingObject(e)) return null;
    throw e;
  }
}
