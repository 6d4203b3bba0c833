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
