import {
  CountQueuingStrategy,
  ReadableStream,
  ReadableStreamDefaultReader,
  WritableStream,
  WritableStreamDefaultWriter,
} from 'node:stream/web';

/**
 * The `k6/experimental/streams` module (https://grafana.com/docs/k6/latest/javascript-api/k6-experimental/streams/):
 * the WHATWG Streams classes k6 exports, which Node implements to the same spec. Their promises and the
 * script's timers that feed them run on the VU's event loop, so an iteration waits for a stream it reads.
 */
export function createK6ExperimentalStreams() {
  return {
    ReadableStream,
    ReadableStreamDefaultReader,
    CountQueuingStrategy,
    WritableStream,
    WritableStreamDefaultWriter,
  };
}
