// Owns the HTTP fuzz run: raw keep-alive sockets, request kinds, the answers' checks and counts, and slowloris clients.
import { Socket, connect } from 'node:net';
import { type FuzzRequest, type FuzzTarget, Gen, SAFE_COMMANDS } from './http-gen.js';

export type { FuzzTarget } from './http-gen.js';

/** Never let a well-formed exec body carry anything but a safe command. */
function sanitize(body: Buffer): Buffer {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8').replace(/^\ufeff/, ''));
  } catch {
    return body;
  }
  if (v && typeof v === 'object' && 'command' in v) {
    const c = (v as { command: unknown }).command;
    if (!SAFE_COMMANDS.some((s) => JSON.stringify(s) === JSON.stringify(c))) return Buffer.from(JSON.stringify({ ...v, command: ['true'] }));
  }
  return body;
}

/** Builds one request; kinds are weighted towards reaching handlers with bad values. */
export function nextRequest(g: Gen): FuzzRequest {
  const kind = g.weighted<string>([[40, 'api'], [20, 'path'], [15, 'body'], [10, 'headers'], [5, 'framing'], [4, 'garbage'], [1, 'huge'], [0.3, 'exec']]);
  let method = kind === 'api' || kind === 'path' ? g.weighted<string>([[20, 'GET'], [1, 'HEAD'], [1, 'OPTIONS'], [1, 'DELETE']]) : g.pick(['POST', 'PUT', 'PATCH', 'DELETE', 'GET', 'POST']);
  let path = g.path();
  const headers = ['Host: 127.0.0.1', ...g.authHeaders()];
  let body: Buffer = Buffer.alloc(0);
  let fresh = false;
  if (kind === 'body' || kind === 'huge' || kind === 'exec') {
    const b = kind === 'exec' ? { type: 'application/json', body: Buffer.from(JSON.stringify({ command: g.pick(SAFE_COMMANDS) })) } : g.body();
    if (kind === 'exec') {
      method = 'POST';
      const p = g.podOf();
      path = g.chance(0.8) ? `/v1/pods/${p.namespace}/${p.name}/containers/${g.pick(p.containers)}/exec` : `/v1/containers/${g.pick(g.t.containerIDs)}/exec`;
    }
    body = kind === 'huge' ? Buffer.alloc(g.pick([1024 * 1024 + 1, 3 * 1024 * 1024]), 0x20) : sanitize(b.body);
    if (b.type !== undefined) headers.push(`Content-Type: ${b.type}`);
    headers.push(`Content-Length: ${body.length}`);
  }
  if (kind === 'headers') {
    headers.push(...g.weighted<() => string[]>([
      [2, () => [`X-Big: ${'x'.repeat(g.pick([8000, 17_000, 70_000]))}`]],
      [2, () => Array.from({ length: g.pick([50, 200, 2100]) }, (_, i) => `X-H${i}: ${i}`)],
      [2, () => [g.pick(['Accept: */*', 'Accept: text/html', 'Accept-Encoding: gzip, br', 'Connection: close', 'Connection: keep-alive, Upgrade', 'Upgrade: websocket', 'Content-Type: application/json', 'Cookie: a=b', 'X-Forwarded-For: 1.2.3.4', 'Origin: http://evil'])]],
      [1, () => [`X-Bin: ${g.bytes(20).toString('latin1').replace(/[\r\n]/g, '')}`]],
      [1, () => [`${g.str('abc()<>@,;:\\"/[]?={} \t', 10)}: v`]],
    ])());
    fresh = true;
  }
  if (kind === 'framing') {
    fresh = true;
    const json = Buffer.from('{"command":["true"]}');
    const f = g.pick(['cl-short', 'cl-neg', 'cl-nan', 'cl-dup', 'cl-te', 'te-bad', 'te-chunked', 'http10', 'http09', 'lf-only', 'no-host', 'space-in-path']);
    method = 'POST';
    body = json;
    headers.push('Content-Type: application/json');
    if (f === 'cl-short') headers.push(`Content-Length: ${json.length - 5}`);
    else if (f === 'cl-neg') headers.push('Content-Length: -1');
    else if (f === 'cl-nan') headers.push('Content-Length: abc');
    else if (f === 'cl-dup') headers.push(`Content-Length: ${json.length}`, `Content-Length: ${json.length + 1}`);
    else if (f === 'cl-te') headers.push(`Content-Length: ${json.length}`, 'Transfer-Encoding: chunked');
    else if (f === 'te-bad') headers.push('Transfer-Encoding: gzip, chunked, identity');
    else if (f === 'te-chunked') {
      headers.push('Transfer-Encoding: chunked');
      body = Buffer.from(g.pick([`${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`, 'zz\r\nxx\r\n0\r\n\r\n', `FFFFFFFFFFFFFFFF\r\n${json}\r\n0\r\n\r\n`, '5;ext=1\r\n{"a":\r\n0\r\n\r\n']));
    } else {
      headers.push(`Content-Length: ${json.length}`);
      const line = f === 'http10' ? `GET ${path} HTTP/1.0` : f === 'http09' ? `GET ${path}` : f === 'space-in-path' ? `GET /v1/con tainers HTTP/1.1` : `GET ${path} HTTP/1.1`;
      const sep = f === 'lf-only' ? '\n' : '\r\n';
      const hs = f === 'no-host' ? headers.slice(1) : headers;
      return { kind: `${kind}:${f}`, method: 'GET', bytes: Buffer.concat([Buffer.from(`${line}${sep}${hs.join(sep)}${sep}${sep}`), json]), fresh };
    }
    return { kind: `${kind}:${f}`, method, bytes: Buffer.concat([Buffer.from(`${method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`), body]), fresh };
  }
  if (kind === 'garbage') {
    const bytes = g.weighted<() => Buffer>([
      [2, () => g.bytes(1 + g.int(300))],
      [2, () => Buffer.from(`${g.pick(['GET', 'G\u00c9T', 'FOO', 'get', '', 'GET GET', 'PRI'])} ${g.pick([path, '', '\u0000', 'x y'])} ${g.pick(['HTTP/1.1', 'HTTP/2.0', 'HTTP/1.1x', 'HTTP/9.9', ''])}\r\n\r\n`)],
      [1, () => Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')],
      [1, () => Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n`)],
    ])();
    return { kind, method: 'GET', bytes, fresh: true };
  }
  return { kind, method, bytes: Buffer.concat([Buffer.from(`${method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1'), body]), fresh };
}

export interface Answer { status: number | 'closed' | 'timeout' | 'error'; json?: unknown; contentType?: string; close?: boolean }

/** Reads one HTTP/1.1 response off a socket (Content-Length or chunked; none for HEAD). */
class Conn {
  private buf: Buffer = Buffer.alloc(0);
  private waiter?: () => void;
  closed = false;
  constructor(readonly sock: Socket) {
    sock.on('data', (d: Buffer) => ((this.buf = Buffer.concat([this.buf, d])), this.waiter?.()));
    const end = () => ((this.closed = true), this.waiter?.());
    sock.on('close', end);
    sock.on('error', end);
  }
  async answer(method: string, timeoutMs: number): Promise<Answer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.parse(method);
      if (got) return got;
      if (this.closed) return { status: 'closed' };
      const left = deadline - Date.now();
      if (left <= 0) return { status: 'timeout' };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => (clearTimeout(timer), resolve());
      });
      this.waiter = undefined;
    }
  }
  private parse(method: string): Answer | undefined {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const head = this.buf.subarray(0, end).toString('latin1');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? NaN);
    const h = (k: string) => new RegExp(`^${k}: *(.*)$`, 'im').exec(head)?.[1]?.trim();
    let bodyEnd = end + 4;
    if (method !== 'HEAD' && status !== 204 && status !== 304) {
      if (/chunked/i.test(h('transfer-encoding') ?? '')) {
        const z = this.buf.indexOf('\r\n0\r\n\r\n', end);
        if (z < 0) return undefined;
        bodyEnd = z + 7;
      } else {
        bodyEnd += Number(h('content-length') ?? 0);
        if (this.buf.length < bodyEnd) return undefined;
      }
    }
    const body = this.buf.subarray(end + 4, bodyEnd).toString('utf8');
    this.buf = this.buf.subarray(bodyEnd);
    if (status === 100) return this.parse(method);
    let json: unknown;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    return { status: Number.isNaN(status) ? 'error' : status, json, contentType: h('content-type'), close: /close/i.test(h('connection') ?? '') };
  }
}

const open = (t: FuzzTarget): Promise<Conn> =>
  new Promise((resolve, reject) => {
    const s = connect(t.port, t.host, () => resolve(new Conn(s)));
    s.setNoDelay(true);
    s.once('error', reject);
  });

export interface FuzzCounts {
  requests: number;
  byStatus: Record<string, number>;
  byClass: Record<string, number>;
  byKind: Record<string, Record<string, number>>;
  /** 5xx, timeouts, and app answers without the {"error":{code,message}} shape: each is a finding. */
  findings: Array<{ kind: string; status: string; request: string; body?: string }>;
  connectErrors: number;
}

/** Sends `requests` requests over `concurrency` keep-alive connections; counts every answer. */
export async function fuzzHttp(t: FuzzTarget, opts: { requests: number; seed: number; concurrency: number; timeoutMs?: number; onProgress?: (done: number) => void }): Promise<FuzzCounts> {
  const c: FuzzCounts = { requests: 0, byStatus: {}, byClass: {}, byKind: {}, findings: [], connectErrors: 0 };
  let issued = 0;
  const worker = async (w: number): Promise<void> => {
    const g = new Gen(opts.seed * 1000 + w, t);
    let conn: Conn | undefined;
    while (issued < opts.requests) {
      issued++;
      const req = nextRequest(g);
      if (!conn || conn.closed || req.fresh) {
        conn?.sock.destroy();
        try {
          conn = await open(t);
        } catch {
          c.connectErrors++;
          conn = undefined;
          continue;
        }
      }
      conn.sock.write(req.bytes);
      // One request per fresh connection: half-close, so an incomplete request ends in an answer, not a wait.
      if (req.fresh) conn.sock.end();
      const a = await conn.answer(req.method, opts.timeoutMs ?? 35_000);
      record(c, req, a);
      // Keep-alive unless the server said close, or an early answer may have left request bytes unread.
      if (req.fresh || a.close || typeof a.status !== 'number' || [400, 408, 413, 414, 431].includes(a.status)) {
        conn.sock.destroy();
        conn = undefined;
      }
      if (c.requests % 1000 === 0) opts.onProgress?.(c.requests);
    }
    conn?.sock.destroy();
  };
  await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)));
  return c;
}

function record(c: FuzzCounts, req: FuzzRequest, a: Answer): void {
  c.requests++;
  const s = String(a.status);
  const cls = typeof a.status === 'number' ? `${String(a.status)[0]}xx` : s;
  c.byStatus[s] = (c.byStatus[s] ?? 0) + 1;
  c.byClass[cls] = (c.byClass[cls] ?? 0) + 1;
  const k = (c.byKind[req.kind.split(':')[0] ?? ''] ??= {});
  k[cls] = (k[cls] ?? 0) + 1;
  const appAnswer = typeof a.status === 'number' && a.status >= 400 && req.method !== 'HEAD' && /json/.test(a.contentType ?? '');
  const shaped = !appAnswer || typeof (a.json as { error?: { code?: unknown } })?.error?.code === 'string';
  // A connection the server closes without answering is fine only for bytes that are not HTTP, or a
  // head over 16 KiB (431) or body over 1 MiB (413): answered early, then closed, the answer may be lost to a reset while we still write.
  const head = req.bytes.indexOf('\r\n\r\n');
  const oversized = head < 0 || head > 16 * 1024 - 100 || req.bytes.length - head > 1024 * 1024; // or a body over bodyLimit: 413
  const unanswered = a.status === 'closed' && !oversized && !['garbage', 'framing', 'headers', 'huge'].includes(req.kind.split(':')[0] ?? '');
  if ((typeof a.status === 'number' && a.status >= 500) || a.status === 'timeout' || a.status === 'error' || unanswered || !shaped) {
    if (c.findings.length < 200) c.findings.push({ kind: req.kind, status: s, request: req.bytes.subarray(0, 300).toString('latin1'), body: JSON.stringify(a.json)?.slice(0, 300) });
  }
}
