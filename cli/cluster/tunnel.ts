// Port-forward through the API server (pods/portforward, WebSocket) to the agent's loopback port.
import { createServer, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { PortForward, type KubeConfig } from '@kubernetes/client-node';

export interface Tunnel {
  url: string;
  close(): Promise<void>;
}

/**
 * A local listener on 127.0.0.1:<random>; each connection becomes one port-forward stream to the
 * pod, the way `kubectl port-forward` works. Closing ends every stream.
 */
export async function openTunnel(kc: KubeConfig, namespace: string, pod: string, port: number): Promise<Tunnel> {
  const pf = new PortForward(kc, true);
  const sockets = new Set<Socket>();
  const sessions = new Set<{ close(): void }>();
  const server = createServer((sock) => {
    sockets.add(sock);
    const errors = new PassThrough();
    errors.on('data', (b: Buffer) => sock.destroy(new Error(b.toString())));
    sock.on('close', () => sockets.delete(sock));
    pf.portForward(namespace, pod, [port], sock, errors, sock)
      .then((ws) => {
        const w = typeof ws === 'function' ? ws() : ws;
        if (!w) return;
        sessions.add(w);
        sock.on('close', () => {
          sessions.delete(w);
          w.close();
        });
      })
      .catch((err: unknown) => sock.destroy(err instanceof Error ? err : new Error(String(err))));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  const addr = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      for (const w of sessions) w.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
