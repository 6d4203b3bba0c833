import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** A RESP2 reply: simple and bulk strings, integers, arrays, null for a nil reply. */
export type RespValue = string | number | null | RespValue[];

/** A `-ERR …` reply from the server. */
export class RespError extends Error {}

interface Pending {
  resolve: (v: RespValue) => void;
  reject: (e: Error) => void;
}

export interface RespTarget {
  host: string;
  port: number;
  tls: boolean;
  username?: string;
  password?: string;
  database?: number;
}

const CRLF = Buffer.from('\r\n');

/** Encodes a command as RESP's array of bulk strings (https://redis.io/docs/latest/develop/reference/protocol-spec/). */
function encode(args: readonly (string | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.from(String(a), 'utf8');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, CRLF);
  }
  return Buffer.concat(parts);
}

/**
 * Parses one reply at `at`; returns it and where the next starts, or undefined when the buffer ends
 * before the reply does (TCP may split a reply anywhere).
 */
function parse(buf: Buffer, at: number): { value: RespValue | RespError; next: number } | undefined {
  const eol = buf.indexOf(CRLF, at);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[at]);
  const line = buf.toString('utf8', at + 1, eol);
  switch (type) {
    case '+':
      return { value: line, next: eol + 2 };
    case '-':
      return { value: new RespError(line), next: eol + 2 };
    case ':':
      return { value: Number(line), next: eol + 2 };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, next: eol + 2 };
      if (buf.length < eol + 2 + len + 2) return undefined;
      return { value: buf.toString('utf8', eol + 2, eol + 2 + len), next: eol + 2 + len + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, next: eol + 2 };
      const items: RespValue[] = [];
      let next = eol + 2;
      for (let i = 0; i < n; i++) {
        const item = parse(buf, next);
        if (!item) return undefined;
        // An error inside an array (EXEC) stays a value: its message.
        items.push(item.value instanceof RespError ? item.value.message : item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new RespError(`unexpected reply type "${type}" from the server`);
  }
}

/**
 * One connection to a Redis server speaking RESP2: commands are pipelined and their replies matched in
 * order. It connects on the first command (AUTH and SELECT first), and again after the server closes it.
 */
export class RespConnection {
  private socket: Socket | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly queue: Pending[] = [];

  constructor(private readonly target: RespTarget) {}

  command(args: readonly (string | number)[]): Promise<RespValue> {
    const socket = this.socket ?? this.open();
    return this.write(socket, args);
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private write(socket: Socket, args: readonly (string | number)[]): Promise<RespValue> {
    return new Promise<RespValue>((resolve, reject) => {
      this.queue.push({ resolve, reject });
      socket.write(encode(args));
    });
  }

  private open(): Socket {
    const { host, port, tls } = this.target;
    const socket = tls ? tlsConnect({ host, port, servername: host }) : netConnect({ host, port });
    socket.setNoDelay(true);
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    const fail = (e: Error): void => {
      if (this.socket === socket) this.socket = undefined;
      for (const p of this.queue.splice(0)) p.reject(e);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('redis: connection closed')));
    // Their replies come first in the queue; a failed AUTH fails the command that opened the connection.
    const { username, password, database } = this.target;
    if (password !== undefined) {
      const auth = username ? ['AUTH', username, password] : ['AUTH', password];
      this.write(socket, auth).catch(() => {});
    }
    if (database) this.write(socket, ['SELECT', database]).catch(() => {});
    return socket;
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let at = 0;
    for (;;) {
      if (at >= this.buffer.length) break;
      let reply: ReturnType<typeof parse>;
      try {
        reply = parse(this.buffer, at);
      } catch (e) {
        this.socket?.destroy(e as Error);
        return;
      }
      if (!reply) break;
      at = reply.next;
      const pending = this.queue.shift();
      if (reply.value instanceof RespError) pending?.reject(reply.value);
      else pending?.resolve(reply.value);
    }
    this.buffer = this.buffer.subarray(at);
  }
}
