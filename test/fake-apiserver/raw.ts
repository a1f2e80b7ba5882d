// Owns a minimal raw HTTPS client for asserting exact wire bytes (status, headers, NDJSON watch lines) of the fake server.
import { request } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';

export interface RawTarget {
  url: string;
  caPem: string;
  token: string;
}

export interface RawOptions {
  /** Object bodies are JSON-encoded; strings are sent verbatim (e.g. to send bad JSON). */
  body?: string | object;
  /** Bearer token; default target.token, null for none. */
  token?: string | null;
  /** More request headers; an array is sent as repeated lines (Impersonate-Group). */
  headers?: Record<string, string | string[]>;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** JSON.parse(body). */
  json(): any;
}

function open(target: RawTarget, method: string, path: string, o: RawOptions): Promise<IncomingMessage> {
  const token = o.token === undefined ? target.token : o.token;
  const body = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  const headers: Record<string, string | string[]> = { Accept: 'application/json', ...o.headers };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, target.url), { method, headers, ca: target.caPem, agent: false }, resolve);
    req.on('error', reject);
    req.end(body);
  });
}

export async function rawRequest(target: RawTarget, method: string, path: string, o: RawOptions = {}): Promise<RawResponse> {
  const res = await open(target, method, path, o);
  let body = '';
  res.setEncoding('utf8');
  for await (const chunk of res) body += chunk as string;
  return { status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) };
}

export interface RawWatch {
  status: number;
  headers: IncomingHttpHeaders;
  /** Next event object ({type, object}), or undefined once the server ended the stream. Rejects after timeoutMs. */
  next(timeoutMs?: number): Promise<{ type: string; object: any } | undefined>;
  /** Resolves when the response ends (clean or not): 'end' for a complete chunked body, 'aborted' otherwise. */
  ended: Promise<'end' | 'aborted'>;
  close(): void;
}

/** Opens GET <path> (add ?watch=true yourself) and yields parsed NDJSON lines one at a time. */
export async function rawWatch(target: RawTarget, path: string, o: RawOptions = {}): Promise<RawWatch> {
  const res = await open(target, 'GET', path, o);
  const queue: string[] = [];
  const waiters: Array<() => void> = [];
  let done = false;
  const wake = () => waiters.splice(0).forEach((w) => w());
  const lines = createInterface({ input: res });
  lines.on('error', () => {}); // readline re-emits input errors (e.g. ECONNRESET); `ended` reports them
  lines.on('line', (l) => {
    queue.push(l);
    wake();
  });
  const ended = new Promise<'end' | 'aborted'>((resolve) => {
    res.on('end', () => resolve('end'));
    res.on('aborted', () => resolve('aborted'));
    res.on('error', () => resolve('aborted'));
    res.on('close', () => resolve(res.complete ? 'end' : 'aborted'));
  });
  void ended.then(() => {
    done = true;
    wake();
  });
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    ended,
    close: () => res.destroy(),
    async next(timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      while (!queue.length && !done) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`rawWatch: no event within ${timeoutMs}ms`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => (clearTimeout(t), r()));
        });
      }
      const l = queue.shift();
      return l === undefined ? undefined : JSON.parse(l);
    },
  };
}
