// Owns a minimal raw WebSocket client (upgrade request + frame codec) for asserting exact streaming wire bytes of the fake.
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import type { Duplex } from 'node:stream';
import type { RawTarget } from './raw.js';

export interface RawUpgradeOptions {
  /** Default GET; client-node uses GET, the brief also allows POST. */
  method?: string;
  /** Offered Sec-WebSocket-Protocol values, in preference order (none sent if empty). */
  protocols?: string[];
  /** Bearer token; default target.token, null for none. */
  token?: string | null;
  /** More request headers; an array is sent as repeated lines (Impersonate-Group). */
  headers?: Record<string, string | string[]>;
}

export interface RawFrame {
  opcode: number;
  payload: Buffer;
}

export interface RawUpgrade {
  status: number;
  headers: IncomingHttpHeaders;
  /** Response body of a refused upgrade (a Status JSON), '' after 101. */
  body: string;
  /** After 101: next complete server frame (server frames are unfragmented), undefined once the socket closed. */
  next(timeoutMs?: number): Promise<RawFrame | undefined>;
  /** After 101: sends one masked frame (opcode 2 binary, 1 text, 8 close). */
  send(opcode: number, payload: Buffer | string): void;
  close(): void;
}

function clientFrame(opcode: number, data: Buffer): Buffer {
  const len = data.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : Buffer.alloc(4);
  if (len >= 126) [head[0], head[1], head[2], head[3]] = [0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff];
  const mask = randomBytes(4);
  const body = Buffer.from(data);
  for (const [i, byte] of body.entries()) body[i] = byte ^ mask.readUInt8(i & 3);
  return Buffer.concat([head, mask, body]);
}

/** Sends a WebSocket upgrade to `path` and returns either the refusal (status/body) or a frame-level connection. */
export function rawUpgrade(target: RawTarget, path: string, o: RawUpgradeOptions = {}): Promise<RawUpgrade> {
  const token = o.token === undefined ? target.token : o.token;
  const headers: Record<string, string | string[]> = {
    ...o.headers, Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
  };
  if (o.protocols?.length) headers['Sec-WebSocket-Protocol'] = o.protocols.join(', ');
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, target.url), { method: o.method ?? 'GET', headers, ca: target.caPem, agent: false });
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, next: async () => undefined, send: () => {}, close: () => {} }));
    });
    req.on('upgrade', (res, socket: Duplex, head: Buffer) => {
      let buf = head;
      let ended = false;
      const frames: RawFrame[] = [];
      const waiters: Array<() => void> = [];
      const wake = () => waiters.splice(0).forEach((w) => w());
      socket.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        for (;;) {
          if (buf.length < 2) break;
          let len = buf.readUInt8(1) & 0x7f;
          let off = 2;
          if (len === 126) [len, off] = [buf.length >= 4 ? buf.readUInt16BE(2) : Infinity, 4];
          else if (len === 127) [len, off] = [buf.length >= 10 ? Number(buf.readBigUInt64BE(2)) : Infinity, 10];
          if (buf.length < off + len) break;
          frames.push({ opcode: buf.readUInt8(0) & 0x0f, payload: buf.subarray(off, off + len) });
          buf = buf.subarray(off + len);
        }
        wake();
      });
      socket.on('error', () => {});
      socket.on('close', () => ((ended = true), wake()));
      resolve({
        status: res.statusCode ?? 101, headers: res.headers, body: '',
        send: (opcode, payload) => void socket.write(clientFrame(opcode, Buffer.from(payload))),
        close: () => socket.destroy(),
        async next(timeoutMs = 3000) {
          const deadline = Date.now() + timeoutMs;
          while (!frames.length && !ended) {
            if (Date.now() > deadline) throw new Error(`rawUpgrade: no frame within ${timeoutMs}ms`);
            await new Promise<void>((r) => {
              const t = setTimeout(r, Math.max(1, deadline - Date.now()));
              waiters.push(() => (clearTimeout(t), r()));
            });
          }
          return frames.shift();
        },
      });
    });
    req.end();
  });
}
