// Owns a minimal RFC 6455 server endpoint (handshake, frame codec, ping/pong, close handshake) for streaming subresources.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_MESSAGE = 16 * 1024 * 1024;
const CLOSE_GRACE_MS = 1000;

/** Subprotocols the client offered, in its order (Sec-WebSocket-Protocol may be repeated or comma-separated). */
export function offeredProtocols(req: IncomingMessage): string[] {
  const raw = req.headers['sec-websocket-protocol'];
  const all = Array.isArray(raw) ? raw.join(',') : raw ?? '';
  return all.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Why a request is not a valid WebSocket handshake (undefined if it is). Accepts POST too, as the brief allows. */
export function handshakeProblem(req: IncomingMessage): { code: number; message: string } | undefined {
  if (req.method !== 'GET' && req.method !== 'POST') return { code: 405, message: 'the server does not allow this method on the requested resource' };
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return { code: 400, message: 'Upgrade request required' };
  if (req.headers['sec-websocket-version'] !== '13') return { code: 426, message: 'unsupported websocket version (supports 13)' };
  if (!/^[A-Za-z0-9+/]{22}==$/.test(req.headers['sec-websocket-key'] ?? '')) return { code: 400, message: 'missing or malformed Sec-WebSocket-Key' };
  return undefined;
}

/** Writes the 101 response; `protocol` '' means no Sec-WebSocket-Protocol header (client offered none). */
export function writeHandshake(socket: Duplex, req: IncomingMessage, protocol: string): void {
  const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}${GUID}`).digest('base64');
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`];
  if (protocol) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
  socket.write(lines.join('\r\n') + '\r\n\r\n');
}

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = 0x80 | opcode; // FIN, never masked (server -> client)
  if (len < 126) head[1] = len;
  else if (len < 65536) {
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the interface only types the class's EventEmitter events
export interface WsConnection {
  on(event: 'message', fn: (data: Buffer, binary: boolean) => void): this;
  on(event: 'close', fn: (code: number | undefined) => void): this;
  on(event: 'drain', fn: () => void): this;
}

/**
 * One accepted WebSocket connection over an upgraded socket. Emits 'message' (complete, unmasked payload),
 * 'drain' when the socket drains, and 'close' once the underlying socket has closed (code from the peer's close frame).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class WsConnection extends EventEmitter {
  private buf: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentBinary = true;
  private sentClose = false;
  private peerCode?: number;
  private graceTimer?: NodeJS.Timeout;
  closed = false;

  constructor(readonly socket: Duplex, head: Buffer) {
    super();
    socket.on('data', (c: Buffer) => this.feed(c));
    socket.on('drain', () => this.emit('drain'));
    socket.on('error', () => socket.destroy());
    socket.on('end', () => socket.end());
    socket.on('close', () => {
      this.closed = true;
      clearTimeout(this.graceTimer);
      this.emit('close', this.peerCode);
    });
    if (head.length) this.feed(head);
  }

  /** Sends one message; returns false when the socket buffer is full (wait for 'drain'). No-op once closing. */
  send(data: Buffer | string, binary = true): boolean {
    if (this.sentClose || this.closed) return true;
    const payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    return this.socket.write(frame(binary ? 0x2 : 0x1, payload));
  }

  /** Starts the close handshake; the socket is ended when the peer answers, destroyed after a grace period otherwise. */
  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    if (!this.sentClose) {
      this.sentClose = true;
      const p = Buffer.alloc(2 + Buffer.byteLength(reason));
      p.writeUInt16BE(code, 0);
      p.write(reason, 2);
      this.socket.write(frame(0x8, p));
    }
    this.graceTimer ??= setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
    this.graceTimer.unref();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private feed(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (!this.closed) {
      const b = this.buf;
      if (b.length < 2) return;
      const [b0, b1] = [b.readUInt8(0), b.readUInt8(1)];
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      const masked = (b1 & 0x80) !== 0;
      let len = b1 & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        const big = b.readBigUInt64BE(2);
        if (big > BigInt(MAX_MESSAGE)) return this.fail(1009, 'message too big');
        len = Number(big);
        off = 10;
      }
      if (!masked) return this.fail(1002, 'client frames must be masked');
      if (b.length < off + 4 + len) return;
      const mask = b.subarray(off, off + 4);
      const payload = Buffer.from(b.subarray(off + 4, off + 4 + len));
      for (const [i, byte] of payload.entries()) payload[i] = byte ^ mask.readUInt8(i & 3);
      this.buf = b.subarray(off + 4 + len);
      this.onFrame(fin, opcode, payload);
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case 0x0: // continuation
      case 0x1: // text
      case 0x2: { // binary
        if (opcode !== 0x0) {
          if (this.fragments.length) return this.fail(1002, 'expected continuation frame');
          this.fragmentBinary = opcode === 0x2;
        } else if (!this.fragments.length) return this.fail(1002, 'unexpected continuation frame');
        this.fragments.push(payload);
        if (this.fragments.reduce((n, f) => n + f.length, 0) > MAX_MESSAGE) return this.fail(1009, 'message too big');
        if (!fin) return;
        const msg = this.fragments.length === 1 ? this.fragments[0] : Buffer.concat(this.fragments);
        this.fragments = [];
        if (!this.sentClose) this.emit('message', msg, this.fragmentBinary);
        return;
      }
      case 0x8: { // close: answer (echoing the code) if we have not sent ours, then end the TCP connection
        this.peerCode = payload.length >= 2 ? payload.readUInt16BE(0) : undefined;
        if (!this.sentClose) {
          this.sentClose = true;
          this.socket.write(frame(0x8, payload.subarray(0, 2)));
        }
        this.socket.end();
        this.graceTimer ??= setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
        this.graceTimer.unref();
        this.buf = Buffer.alloc(0);
        return;
      }
      case 0x9: // ping
        if (!this.sentClose) this.socket.write(frame(0xa, payload));
        return;
      case 0xa: // pong
        return;
      default:
        return this.fail(1002, `unknown opcode ${opcode}`);
    }
  }

  private fail(code: number, reason: string): void {
    this.buf = Buffer.alloc(0);
    this.close(code, reason);
    this.socket.end();
  }
}
