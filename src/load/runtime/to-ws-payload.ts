/** A script's message for `ws`: strings go as text frames, ArrayBuffers and typed arrays as binary ones. */
export function toWsPayload(data: unknown): { payload: string | Buffer; bytes: number; binary: boolean } {
  if (data instanceof ArrayBuffer) return { payload: Buffer.from(data), bytes: data.byteLength, binary: true };
  if (ArrayBuffer.isView(data)) {
    const payload = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return { payload, bytes: payload.length, binary: true };
  }
  const text = String(data);
  return { payload: text, bytes: Buffer.byteLength(text), binary: false };
}
