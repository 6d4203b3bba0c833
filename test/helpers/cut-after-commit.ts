import { connect, createServer, type Socket } from 'node:net';
import { listenOnLoopback } from './tcp-proxy.ts';

export type WireProtocol = 'postgres' | 'mysql';

export interface CommitCutter {
  /** The proxy's port on 127.0.0.1: the same server and database, through the proxy. */
  port: number;
  /** True once a COMMIT was passed on and its connection cut; false if the proxy closed first. */
  cut: Promise<boolean>;
  close(): Promise<void>;
}

/** What the proxy reads of one client's messages to the server: where each ends, and whether it is COMMIT. */
interface Framing {
  /** Bytes to read before `total` can tell the message's length. */
  header(): number;
  /** The message's whole length, from its header. */
  total(head: Buffer): number;
  /** Whether the whole message is the simple query COMMIT. */
  isCommit(msg: Buffer): boolean;
  /** Told each message's first bytes (the whole message when small), in order. */
  seen(head: Buffer): void;
}

const isCommitText = (b: Buffer) => b.toString('utf8').replace(/\0$/, '').trim().toUpperCase() === 'COMMIT';

/**
 * PostgreSQL's frontend protocol: a startup message (length, then a code) with no type byte, repeated after an SSL or
 * GSS encryption request the server declined; then a type byte and a length that counts itself. COMMIT is sent
 * as a simple query, 'Q' (https://www.postgresql.org/docs/current/protocol-message-formats.html).
 */
function postgresFraming(): Framing {
  let startup = true;
  const ENCRYPTION_REQUESTS = [80877103, 80877104];
  return {
    header: () => (startup ? 8 : 5),
    total: (head) => (startup ? head.readInt32BE(0) : 1 + head.readInt32BE(1)),
    isCommit: (msg) => !startup && msg[0] === 0x51 && isCommitText(msg.subarray(5)),
    seen(head) {
      if (startup && !ENCRYPTION_REQUESTS.includes(head.readInt32BE(4))) startup = false;
    },
  };
}

/**
 * MariaDB's client packets: a 3-byte length and a sequence number; a command starts a sequence (0), and COM_QUERY
 * (0x03) carries the statement's text. Packets of the handshake and LOAD DATA's file have other sequence numbers.
 */
function mysqlFraming(): Framing {
  return {
    header: () => 4,
    total: (head) => 4 + head.readUIntLE(0, 3),
    isCommit: (msg) => msg[3] === 0 && msg[4] === 0x03 && isCommitText(msg.subarray(5)),
    seen: () => undefined,
  };
}

// Longer messages are skipped through, never held: a COMMIT query is a few bytes.
const SMALL = 64;

/** Finds the end of the first COMMIT message in a client's byte stream, chunk by chunk. */
function commitFinder(f: Framing): (chunk: Buffer) => number {
  let cur = Buffer.alloc(0);
  let total = -1;
  let skip = 0;
  return (chunk) => {
    let i = 0;
    while (i < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - i);
        skip -= n;
        i += n;
        continue;
      }
      const want = total < 0 ? f.header() : total;
      const take = Math.min(want - cur.length, chunk.length - i);
      cur = Buffer.concat([cur, chunk.subarray(i, i + take)]);
      i += take;
      if (cur.length < want) continue;
      if (total < 0) {
        total = f.total(cur);
        if (total > SMALL) {
          f.seen(cur);
          skip = total - cur.length;
          cur = Buffer.alloc(0);
          total = -1;
          continue;
        }
        if (cur.length < total) continue;
      }
      const msg = cur.subarray(0, total);
      f.seen(msg);
      cur = Buffer.alloc(0);
      total = -1;
      if (f.isCommit(msg)) return i;
    }
    return -1;
  };
}

/**
 * A loopback proxy to a database server that, the first time a client sends COMMIT, passes the COMMIT on and cuts
 * that client's connection before any reply: the client has sent COMMIT and lost its connection, so it cannot know
 * whether the server committed. The server side gets the COMMIT and then the end of the stream.
 */
export async function cutAfterCommit(
  protocol: WireProtocol,
  targetPort: number,
  targetHost = '127.0.0.1',
): Promise<CommitCutter> {
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  let armed = true;
  let settle: (cut: boolean) => void = () => undefined;
  const cut = new Promise<boolean>((resolve) => (settle = resolve));
  const server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    track(client);
    track(upstream);
    const find = commitFinder(protocol === 'postgres' ? postgresFraming() : mysqlFraming());
    let cutHere = false;
    client.on('data', (chunk: Buffer) => {
      if (cutHere) return;
      const end = armed ? find(chunk) : -1;
      if (end < 0) {
        upstream.write(chunk);
        return;
      }
      armed = false;
      cutHere = true;
      // The client loses its connection before any reply can reach it; the server reads the COMMIT, then EOF.
      client.destroy();
      upstream.end(chunk.subarray(0, end));
      settle(true);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!cutHere) client.write(chunk);
    });
    client.on('close', () => {
      if (!cutHere) upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
  });
  return {
    port: await listenOnLoopback(server),
    cut,
    async close() {
      settle(false);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
