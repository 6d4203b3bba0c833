import { basename } from 'node:path';
import { FsError } from './fs-error.ts';

/** k6's `SeekMode` values: https://grafana.com/docs/k6/latest/javascript-api/k6-experimental/fs/seekmode/ */
export const SeekMode = Object.freeze({ Start: 0, Current: 1, End: 2 });

/** What k6/experimental/csv needs of a File: its bytes and its offset, which the parser moves as it reads. */
export interface FileCursor {
  bytes: Uint8Array;
  readonly offset: number;
  moveTo(offset: number): void;
}

let cursorOf: (file: K6File) => FileCursor;

/** The bytes and offset of a File, for k6/experimental/csv (scripts only see File's methods). */
export function fileCursor(file: K6File): FileCursor {
  return cursorOf(file);
}

/**
 * A file of `k6/experimental/fs`: read-only bytes with its own offset, as k6's File
 * (https://grafana.com/docs/k6/latest/javascript-api/k6-experimental/fs/file/).
 * `k6/experimental/csv` reads through the same offset, as k6's parser does.
 */
export class K6File {
  #offset = 0;
  // Private, so a script cannot write into bytes that every open() of the path in this VU shares.
  readonly #data: Uint8Array;

  constructor(
    readonly path: string,
    data: Uint8Array,
  ) {
    this.#data = data;
  }

  static {
    cursorOf = (file) => ({
      bytes: file.#data,
      get offset() {
        return file.#offset;
      },
      moveTo: (offset) => {
        file.#offset = Math.min(Math.max(offset, 0), file.#data.length);
      },
    });
  }

  stat(): Promise<{ name: string; size: number }> {
    return Promise.resolve({ name: basename(this.path), size: this.#data.length });
  }

  read(into: Uint8Array): Promise<number | null> {
    if (into === null || into === undefined)
      return Promise.reject(
        new FsError('TypeError', 'read() failed; reason: into argument cannot be null or undefined'),
      );
    if (!(into instanceof Uint8Array))
      return Promise.reject(new FsError('TypeError', 'read() failed; reason: into argument must be a Uint8Array'));
    const start = this.#offset;
    // k6 resolves null only when nothing was left to read; a short read returns its count.
    if (start >= this.#data.length) return Promise.resolve(null);
    const end = Math.min(start + into.length, this.#data.length);
    into.set(this.#data.subarray(start, end));
    this.#offset = end;
    return Promise.resolve(end - start);
  }

  seek(offset: number, whence: number): Promise<number> {
    if (!Number.isInteger(offset))
      return Promise.reject(new FsError('TypeError', 'seek() failed; reason: the offset argument must be an integer'));
    const size = this.#data.length;
    let next: number;
    if (whence === SeekMode.Start) {
      if (offset < 0)
        return Promise.reject(new FsError('TypeError', 'offset cannot be negative when using SeekModeStart'));
      next = offset;
    } else if (whence === SeekMode.Current) {
      next = this.#offset + offset;
    } else if (whence === SeekMode.End) {
      if (offset > 0)
        return Promise.reject(new FsError('TypeError', 'offset cannot be positive when using SeekModeEnd'));
      // k6 counts End from the last byte (size - 1), not from one past it: seek(0, End) lands on the last byte.
      next = size - 1 + offset;
    } else {
      return Promise.reject(new FsError('TypeError', 'seek() failed; reason: the whence argument must be a SeekMode'));
    }
    if (next < 0) return Promise.reject(new FsError('TypeError', 'seeking before start of file'));
    if (next > size) return Promise.reject(new FsError('TypeError', 'seeking beyond end of file'));
    this.#offset = next;
    return Promise.resolve(next);
  }
}
