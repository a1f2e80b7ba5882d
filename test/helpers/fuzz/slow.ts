// Owns the slowloris clients of the HTTP fuzz: slow headers, slow bodies, silent and idle connections, and when the server drops them.
import { connect } from 'node:net';

export type SlowKind = 'slow-headers' | 'slow-body' | 'silent' | 'idle-keepalive';
export const SLOW_KINDS: SlowKind[] = ['slow-headers', 'slow-body', 'silent', 'idle-keepalive'];

export interface SlowResult {
  kind: SlowKind;
  /** When the server closed the connection, ms after connect; undefined if it was still open when we stopped. */
  closedAfterMs?: number;
  /** The status line the server sent before closing, if any (408 for a request timeout). */
  answer?: string;
  bytesSent: number;
}

export interface SlowClients {
  /** Resolves once every connection is closed by the server, or at the deadline (then we close the rest). */
  done(deadlineMs: number): Promise<SlowResult[]>;
  stop(): void;
}

/**
 * Opens `n` slow connections round-robin over the kinds, each dribbling one byte every `everyMs`.
 * A server with request and header timeouts closes all of them; one without keeps them forever.
 */
export function slowClients(host: string, port: number, n: number, token: string, everyMs = 1000): SlowClients {
  const results: SlowResult[] = [];
  const pending: Array<Promise<void>> = [];
  const sockets = new Set<import('node:net').Socket>();
  for (let i = 0; i < n; i++) {
    const kind = SLOW_KINDS[i % SLOW_KINDS.length] as SlowKind;
    const r: SlowResult = { kind, bytesSent: 0 };
    results.push(r);
    pending.push(new Promise<void>((resolve) => {
      const t0 = Date.now();
      const s = connect(port, host);
      sockets.add(s);
      let timer: NodeJS.Timeout | undefined;
      const head = `POST /v1/containers/${'a'.repeat(12)}/exec HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n`;
      let plan = '';
      if (kind === 'slow-headers') plan = head + 'X-Slow: ' + 'a'.repeat(100_000);
      if (kind === 'slow-body') {
        s.write(head + '\r\n');
        r.bytesSent += head.length + 2;
        plan = '{"command":["true"],"stdin":"' + 'a'.repeat(100_000);
      }
      if (kind === 'idle-keepalive') {
        const req = `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`;
        s.write(req);
        r.bytesSent += req.length;
      }
      let at = 0;
      if (plan) {
        timer = setInterval(() => {
          if (!s.writable) return;
          s.write(plan[at++] ?? ' ');
          r.bytesSent++;
        }, everyMs);
      }
      let first = '';
      s.on('data', (d: Buffer) => {
        first += d.toString('latin1');
        // The idle connection's one answer is expected; only a status after that counts as the server's verdict.
        const lines = first.split('\r\n').filter((l) => /^HTTP\/1\.1 \d{3}/.test(l));
        const last = lines[kind === 'idle-keepalive' ? 1 : 0];
        if (last) r.answer = last;
      });
      s.on('error', () => undefined);
      s.on('close', () => {
        clearInterval(timer);
        sockets.delete(s);
        if (r.closedAfterMs === undefined) r.closedAfterMs = Date.now() - t0;
        resolve();
      });
    }));
  }
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    for (const s of sockets) {
      s.destroy();
    }
  };
  return {
    stop,
    async done(deadlineMs) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(pending), new Promise((r) => (timer = setTimeout(r, deadlineMs)))]);
      clearTimeout(timer);
      // Whatever is still open at the deadline was not closed by the server: mark it, then close it ourselves.
      const snapshot = results.map((r) => ({ ...r }));
      if (!stopped) stop();
      return snapshot;
    },
  };
}
