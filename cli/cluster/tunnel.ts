// A local listener for a port-forward: each connection to 127.0.0.1:<random> becomes one forwarded stream, as `kubectl port-forward` works.
import { createServer, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';

export interface Tunnel {
  url: string;
  /** The last error the API server or the kubelet reported on the error channel, if any. */
  lastError(): string | undefined;
  close(): Promise<void>;
}

export interface WsLike {
  readyState: number;
  close(): void;
  on?(ev: 'close', f: () => void): void;
  addEventListener?(ev: 'close', f: () => void): void;
}

/**
 * Opens one forwarded stream for a local socket: the pod's bytes go to the socket, the error
 * channel's to `errors` (its 2-byte port prefix stripped, so an empty chunk is no error).
 */
export type Forward = (sock: Socket, errors: PassThrough) => Promise<WsLike | null>;

/**
 * Both close directions are bridged here (the forwarders bridge neither), and a refused upgrade
 * destroys the local socket so the HTTP client fails fast instead of hanging.
 */
export async function openTunnel(forward: Forward): Promise<Tunnel> {
  const sockets = new Set<Socket>();
  const sessions = new Set<WsLike>();
  let lastError: string | undefined;
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined); // the peer may go away mid-write
    const errors = new PassThrough();
    errors.on('data', (b: Buffer) => {
      if (b.length === 0) return; // the 2-byte port prefix, stripped
      lastError = b.toString();
      sock.destroy(new Error(lastError));
    });
    sock.on('close', () => sockets.delete(sock));
    forward(sock, errors)
      .then((ws) => {
        if (!ws) return;
        sessions.add(ws);
        const onWsClose = (): void => {
          sessions.delete(ws);
          sock.end();
        };
        if (ws.on) ws.on('close', onWsClose);
        else ws.addEventListener?.('close', onWsClose);
        sock.on('close', () => {
          sessions.delete(ws);
          ws.close();
        });
        if (ws.readyState === 3) sock.end();
        if (sock.destroyed) ws.close();
      })
      .catch((err: unknown) => {
        const msg = (err as { message?: string })?.message ?? String(err);
        const status = /Unexpected server response: (\d+)/.exec(msg)?.[1];
        lastError = status ? `the API server refused the port-forward with HTTP ${status}` : msg;
        sock.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  const addr = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}`,
    lastError: () => lastError,
    close: async () => {
      for (const s of sockets) s.destroy();
      for (const w of sessions) w.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
