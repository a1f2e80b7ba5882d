// Owns the attach WebSocket fuzz: raw handshakes, then frames out of order, malformed or oversized; every session must end.
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Gen } from './http-gen.js';
import type { FuzzTarget } from './http-run.js';

/** One WebSocket frame as a client sends it (masked unless told otherwise). */
function wsFrame(opcode: number, payload: Buffer, o: { fin?: boolean; rsv?: number; masked?: boolean; declaredLength?: bigint } = {}): Buffer {
  const len = o.declaredLength ?? BigInt(payload.length);
  const head = [((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | opcode];
  const m = (o.masked ?? true) ? 0x80 : 0;
  if (len < 126n) head.push(m | Number(len));
  else if (len < 65536n) head.push(m | 126, Number(len >> 8n), Number(len & 0xffn));
  else {
    head.push(m | 127);
    for (let i = 7; i >= 0; i--) head.push(Number((len >> BigInt(i * 8)) & 0xffn));
  }
  if (!m) return Buffer.concat([Buffer.from(head), payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ (key[i % 4] as number)));
  return Buffer.concat([Buffer.from(head), key, body]);
}

/** Recent stdin payloads sent: bytes arriving on another connection are matched against them. */
const SENT: Buffer[] = [];
const BIN = 2;
const TEXT = 1;
const CLOSE = 8;
const PING = 9;

/** A random client frame, valid or not: channels, resizes, protocol violations. */
function randomFrame(g: Gen): Buffer {
  const ch = (c: number, p: Buffer | string) => Buffer.concat([Buffer.from([c]), Buffer.from(p)]);
  return g.weighted<() => Buffer>([
    [4, () => {
      const b = g.bytes(g.int(100));
      if (SENT.push(b) > 5000) SENT.shift();
      return wsFrame(BIN, ch(0, b));
    }],
    [2, () => wsFrame(BIN, ch(4, g.pick(['{"cols":100,"rows":30}', '{"cols":0,"rows":-1}', '{"cols":1e9,"rows":2}', 'null', '{', '[]', '"x"', JSON.stringify({ cols: 'a'.repeat(300) })])))],
    [1, () => wsFrame(BIN, ch(255, Buffer.from([0])))],
    [2, () => wsFrame(BIN, g.chance(0.2) ? Buffer.alloc(0) : ch(5 + g.int(250), g.bytes(g.int(20))))],
    [1, () => wsFrame(TEXT, g.chance(0.5) ? Buffer.from('hello') : Buffer.from([0xff, 0xfe, 0xc0]))],
    [1, () => wsFrame(0, ch(0, 'continuation without a start'))],
    [1, () => Buffer.concat([wsFrame(BIN, ch(0, 'part'), { fin: false }), wsFrame(BIN, ch(0, 'a new message mid-fragment'))])],
    [1, () => wsFrame(g.pick([3, 4, 5, 6, 7, 11, 12, 15]), g.bytes(5))],
    [1, () => wsFrame(BIN, ch(0, 'x'), { rsv: 1 + g.int(7) })],
    [1, () => wsFrame(BIN, ch(0, 'unmasked'), { masked: false })],
    [1, () => wsFrame(PING, g.bytes(g.pick([0, 10, 126])), { fin: g.chance(0.8) })],
    [1, () => wsFrame(CLOSE, g.pick([Buffer.alloc(0), Buffer.from([0x03]), Buffer.from([0x03, 0xe7]), Buffer.from([0x03, 0xed]), Buffer.from([0x03, 0xe8, 0xff])]))],
    [0.5, () => wsFrame(BIN, ch(0, Buffer.alloc(70_000, 0x61)))],
    [0.5, () => wsFrame(BIN, Buffer.from([0]), { declaredLength: 2n ** 62n })],
  ])();
}

export interface WsCounts {
  sessions: number;
  handshake: Record<string, number>;
  /** Close codes the agent sent, or how the connection ended without one. */
  ended: Record<string, number>;
  /** Sessions the agent had not closed 10 s after we stopped sending: each a finding. */
  hung: number;
  /** Handshake answers with bytes before the status line: what they were. */
  oddAnswers: string[];
  /** Of those, bytes that an earlier session sent as its stdin: one session's input on another's connection. */
  crossTalk: number;
}

/** Opens `sessions` attach sessions (safe commands only) and sends each a random run of frames. */
export async function fuzzWs(t: FuzzTarget, opts: { sessions: number; seed: number; concurrency: number; token: string }): Promise<WsCounts> {
  const c: WsCounts = { sessions: 0, handshake: {}, ended: {}, hung: 0, oddAnswers: [], crossTalk: 0 };
  const count = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
  let left = opts.sessions;
  const one = (g: Gen): Promise<void> =>
    new Promise((resolve) => {
      const p = g.podOf();
      const path = g.chance(0.8)
        ? `/v1/pods/${p.namespace}/${p.name}/containers/${g.pick(p.containers)}/attach`
        : `/v1/containers/${g.pick(t.containerIDs)}/attach`;
      const q = `command=${g.pick(['cat', 'true', 'cat'])}${g.chance(0.3) ? '&tty=true' : ''}${g.chance(0.2) ? '&namespaces=all' : ''}`;
      const s = connect(t.port, t.host);
      let buf = Buffer.alloc(0);
      let upgraded = false;
      let done = false;
      const finish = (how: string) => {
        if (done) return;
        done = true;
        clearTimeout(hang);
        count(c.ended, how);
        s.destroy();
        resolve();
      };
      const hang = setTimeout(() => {
        c.hung++;
        finish('hung');
      }, 15_000);
      s.on('connect', () => {
        s.write(`GET ${path}?${q} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v1.attach.nsinspect.dev\r\nAuthorization: Bearer ${opts.token}\r\n\r\n`);
      });
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (!upgraded) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const status = /^HTTP\/1\.1 (\d{3})/.exec(buf.subarray(0, end).toString('latin1'))?.[1] ?? 'bad';
          count(c.handshake, status);
          if (status === 'bad') {
            const pre = buf.subarray(0, Math.max(0, buf.indexOf('HTTP/1.1')));
            const stdin = pre.length > 0 && SENT.some((x) => x.length >= 4 && (x.includes(pre) || pre.includes(x)));
            if (stdin) c.crossTalk++;
            if (c.oddAnswers.length < 5) c.oddAnswers.push(`${pre.length} bytes before the status line${stdin ? ", an earlier session's stdin" : ''}: ${JSON.stringify(pre.subarray(0, 40).toString('latin1'))}`);
          }
          buf = buf.subarray(end + 4);
          if (status !== '101') return finish(`http ${status}`);
          upgraded = true;
          // The frames, with small pauses, then our side closes for writing.
          const frames = Array.from({ length: 1 + g.int(10) }, () => randomFrame(g));
          let i = 0;
          const next = () => {
            if (done || !s.writable) return;
            if (i < frames.length) {
              s.write(frames[i++] as Buffer);
              setTimeout(next, g.int(20));
            } else s.end();
          };
          next();
        }
        // A close frame from the agent: opcode 8, status in the first two payload bytes.
        for (let at = 0; at + 1 < buf.length;) {
          const op = (buf[at] as number) & 0x0f;
          let len = (buf[at + 1] as number) & 0x7f;
          let off = at + 2;
          if (len === 126) {
            len = buf.readUInt16BE(off);
            off += 2;
          } else if (len === 127) {
            len = Number(buf.readBigUInt64BE(off));
            off += 8;
          }
          if (off + len > buf.length) break;
          if (op === CLOSE) return finish(len >= 2 ? `close ${buf.readUInt16BE(off)}` : 'close (no code)');
          at = off + len;
        }
      });
      s.on('error', () => undefined);
      s.on('close', () => finish(upgraded ? 'closed without a close frame' : 'closed before the handshake'));
    });
  const worker = async (w: number) => {
    const g = new Gen(opts.seed * 7 + w, t);
    while (left-- > 0) {
      c.sessions++;
      await one(g);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)));
  return c;
}
