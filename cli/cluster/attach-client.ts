// The client end of an attach WebSocket: opens it with the user's token and speaks the frames.ts framing.
import WebSocket from 'ws';
import { NsinspectError } from '../../agent/model/errors.js';
import { ATTACH_MAX_MESSAGE_BYTES, codeOf, type ErrorJSON } from '../../agent/protocol/protocol.js';
import { ATTACH_PROTOCOL, CH, type StatusFrame, frame, frames } from '../../agent/protocol/frames.js';

export interface AttachParams {
  command: string[];
  namespaces: string;
  tty: boolean;
  cols?: number;
  rows?: number;
}

export interface AttachHandlers {
  stdout(b: Buffer): void;
  stderr(b: Buffer): void;
}

export class AttachConnection {
  private status: StatusFrame | undefined;
  readonly done: Promise<StatusFrame>;

  constructor(private readonly ws: WebSocket, handlers: AttachHandlers) {
    ws.on('message', (data: Buffer) => {
      if (!Buffer.isBuffer(data) || data.length === 0) return;
      const payload = data.subarray(1);
      if (data[0] === CH.stdout) handlers.stdout(payload);
      else if (data[0] === CH.stderr) handlers.stderr(payload);
      else if (data[0] === CH.status) {
        try {
          this.status = JSON.parse(payload.toString('utf8')) as StatusFrame;
        } catch {
          this.status = { exitCode: null, reason: 'error', message: 'the agent sent a malformed status' };
        }
      }
    });
    this.done = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve(this.status ?? { exitCode: null, reason: 'disconnect', message: `the connection closed (${code}${reason.length ? ` ${reason.toString()}` : ''}) before the command ended` }));
    });
  }

  write(b: Buffer | string): void {
    if (this.ws.readyState === WebSocket.OPEN) for (const f of frames(CH.stdin, b)) this.ws.send(f);
  }

  resize(cols: number, rows: number): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(frame(CH.resize, JSON.stringify({ cols, rows })));
  }

  /** stdin is finished (EOF). */
  closeStdin(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(frame(CH.close, Buffer.from([0])));
  }

  /** Hangs up: the agent kills the session's processes. */
  close(): void {
    this.ws.close(1000, 'client done');
  }
}

/** The attach URL for a base URL and an API path (…/attach), with the command as repeated params. */
export function attachURL(baseURL: string, path: string, p: AttachParams): URL {
  const u = new URL(path, baseURL);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const a of p.command) u.searchParams.append('command', a);
  u.searchParams.set('namespaces', p.namespaces);
  u.searchParams.set('tty', String(p.tty));
  if (p.cols) u.searchParams.set('cols', String(p.cols));
  if (p.rows) u.searchParams.set('rows', String(p.rows));
  return u;
}

/**
 * Opens the session. A refusal before the upgrade (401, 403, 404, 409, 429…) becomes an
 * NsinspectError with the agent's own message, as for the HTTP endpoints.
 */
/** timeoutMs bounds the handshake only (--request-timeout; 0: none): the session itself runs as long as the command. */
export function openAttach(url: URL, token: string, node: string, handlers: AttachHandlers, timeoutMs = 15_000): Promise<AttachConnection> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ATTACH_PROTOCOL, { headers: token ? { authorization: `Bearer ${token}` } : {}, handshakeTimeout: timeoutMs, maxPayload: ATTACH_MAX_MESSAGE_BYTES });
    const conn = new AttachConnection(ws, handlers);
    ws.once('open', () => resolve(conn));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        let message = `answered ${status}`;
        let hint: string | undefined;
        let code: unknown;
        try {
          const e = (JSON.parse(Buffer.concat(chunks).toString()) as Partial<ErrorJSON>).error;
          if (e?.message) message = e.message;
          hint = e?.hint;
          code = e?.code;
        } catch {
          // not our JSON
        }
        reject(new NsinspectError(codeOf(status, code), `agent on node ${node}: ${message}`, hint ? { hint } : {}));
        ws.terminate();
      });
    });
    ws.once('error', (err) => reject(new NsinspectError('UNAVAILABLE', `cannot open an exec session on node ${node}: ${err.message}`, { cause: err, hint: 'check that the agent pod is running and ready' })));
  });
}
