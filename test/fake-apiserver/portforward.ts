// Owns pods/portforward: the pod-port -> local TCP target table, v4 channel framing over WebSocket, and session bookkeeping.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { writeHandshake, WsConnection } from './websocket.js';

/** Where a pod's port really goes (a local TCP server standing in for the container). */
export interface PortForwardTarget {
  host?: string;
  port: number;
}

/** Subprotocols the fake accepts for pods/portforward; the first one the CLIENT lists among these wins. */
export const PORTFORWARD_PROTOCOLS = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io'] as const;

export interface PortForwardRecord {
  namespace: string;
  pod: string;
  ports: number[];
  /** Negotiated subprotocol ('' if the client offered none). */
  protocol: string;
  user?: string;
  startedAt: number;
  /** Set once the WebSocket and every backend socket have closed. */
  closedAt?: number;
  /** Bytes client -> pod and pod -> client (payload only, excluding channel bytes). */
  bytesIn: number;
  bytesOut: number;
  /** Messages sent on error channels. */
  errors: string[];
}

const key = (ns: string, pod: string, port: number) => `${ns}/${pod}:${port}`;

/** Query `ports` (repeatable, comma-separated), as the apiserver/kubelet parse it. Throws a message on bad input. */
export function parsePorts(q: URLSearchParams): number[] {
  const raw = q.getAll('ports');
  if (!raw.length) throw new Error('query parameter "ports" is required');
  const out: number[] = [];
  for (const s of raw) {
    if (s === '') throw new Error('query parameter "ports" cannot be empty');
    for (const p of s.split(',')) {
      const n = /^\d+$/.test(p) ? Number(p) : NaN;
      if (!(n >= 1 && n <= 65535)) throw new Error(`unable to parse "${s}" as a port: invalid port ${JSON.stringify(p)}`);
      out.push(n);
    }
  }
  return out;
}

/** Text of the error-channel message when dialing the "container" port fails (containerd's shape). */
function forwardError(port: number, podUid: string, err: NodeJS.ErrnoException): string {
  const sandbox = createHash('sha256').update(podUid).digest('hex');
  const cause = err.code === 'ECONNREFUSED' ? 'connect: connection refused' : err.message;
  return `error forwarding port ${port} to pod ${sandbox}, uid : failed to execute portforward in network namespace ` +
    `"/var/run/netns/cni-${podUid}": failed to connect to localhost:${port} inside namespace "${sandbox}", ` +
    `IPv4: dial tcp4 127.0.0.1:${port}: ${cause} IPv6 dial tcp6 [::1]:${port}: ${cause} `;
}

export class PortForwardHub {
  readonly log: PortForwardRecord[] = [];
  private readonly targets = new Map<string, PortForwardTarget>();
  private readonly live = new Set<{ ws: WsConnection; backends: Socket[] }>();
  private waiters: Array<() => void> = [];

  set(namespace: string, pod: string, port: number, target: PortForwardTarget): void {
    this.targets.set(key(namespace, pod, port), { ...target });
  }

  /** Forgets one mapping, every mapping of a pod, or everything. Open sessions are unaffected. */
  clear(namespace?: string, pod?: string, port?: number): void {
    if (namespace === undefined) return this.targets.clear();
    for (const k of [...this.targets.keys()]) {
      const m = /^(.*)\/(.*):(\d+)$/.exec(k)!;
      if (m[1] === namespace && (pod === undefined || m[2] === pod) && (port === undefined || Number(m[3]) === port)) this.targets.delete(k);
    }
  }

  open(): number {
    return this.live.size;
  }

  /** Destroys every open session (WebSocket and backend sockets), as a dying apiserver would. */
  drop(): number {
    const n = this.live.size;
    for (const s of this.live) {
      s.ws.destroy();
      for (const b of s.backends) b.destroy();
    }
    return n;
  }

  waitFor(pred: (open: number) => boolean, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!pred(this.live.size)) return false;
        clearTimeout(timer);
        resolve();
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`portForward: open sessions still ${this.live.size} after ${timeoutMs}ms`));
      }, timeoutMs);
      const waiter = () => void (check() && (this.waiters = this.waiters.filter((w) => w !== waiter)));
      if (!check()) this.waiters.push(waiter);
    });
  }

  /** Completes the upgrade and runs the session until the client or every backend goes away. */
  serve(req: IncomingMessage, socket: Duplex, head: Buffer, o: { namespace: string; pod: string; podUid: string; ports: number[]; protocol: string; user?: string }): PortForwardRecord {
    const rec: PortForwardRecord = { namespace: o.namespace, pod: o.pod, ports: o.ports, protocol: o.protocol, user: o.user, startedAt: Date.now(), bytesIn: 0, bytesOut: 0, errors: [] };
    this.log.push(rec);
    writeHandshake(socket, req, o.protocol);
    const ws = new WsConnection(socket, head);
    const base64 = o.protocol.includes('base64');
    const session = { ws, backends: [] as Socket[] };
    this.live.add(session);
    let pending = 1 + o.ports.length; // the WebSocket plus each backend must close
    const closedOne = () => {
      if (--pending > 0) return;
      rec.closedAt = Date.now();
      this.live.delete(session);
      for (const w of [...this.waiters]) w();
    };
    const sendOn = (channel: number, data: Buffer) =>
      base64 ? ws.send(String.fromCharCode(48 + channel) + data.toString('base64'), false) : ws.send(Buffer.concat([Buffer.from([channel]), data]));

    let portsDone = 0;
    const portDone = () => void (++portsDone === o.ports.length && ws.close(1000));
    const writers: Array<(d: Buffer) => void> = [];
    o.ports.forEach((port, i) => {
      const portBytes = Buffer.alloc(2);
      portBytes.writeUInt16LE(port);
      sendOn(2 * i, portBytes); // data channel, then error channel: what client-node's needsToReadPortNumber strips
      sendOn(2 * i + 1, portBytes);
      const target = this.targets.get(key(o.namespace, o.pod, port));
      let failed = false;
      const fail = (err: NodeJS.ErrnoException) => {
        if (failed || ws.closed) return;
        failed = true;
        const msg = forwardError(port, o.podUid, err);
        rec.errors.push(msg);
        sendOn(2 * i + 1, Buffer.from(msg, 'utf8'));
      };
      if (!target) { // nothing listens on that port in the "container"
        writers[i] = () => {};
        fail(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
        return void setImmediate(() => (portDone(), closedOne()));
      }
      const backend = connect({ host: target.host ?? '127.0.0.1', port: target.port });
      session.backends.push(backend);
      let connected = false;
      const queue: Buffer[] = [];
      writers[i] = (d) => (connected ? backend.write(d) || ws.socket.pause() : queue.push(d));
      backend.on('drain', () => ws.socket.resume());
      backend.on('connect', () => {
        connected = true;
        for (const d of queue.splice(0)) backend.write(d);
      });
      backend.on('data', (d: Buffer) => {
        rec.bytesOut += d.length;
        if (!sendOn(2 * i, d)) {
          backend.pause();
          ws.once('drain', () => backend.resume());
        }
      });
      backend.on('error', fail);
      backend.on('end', () => backend.end());
      backend.on('close', () => {
        portDone();
        closedOne();
      });
    });

    ws.on('message', (msg, binary) => {
      let channel: number;
      let data: Buffer;
      if (binary && !base64) {
        if (msg.length < 1) return;
        [channel, data] = [msg.readUInt8(0), msg.subarray(1)];
      } else if (!binary && base64) {
        const text = msg.toString('utf8');
        if (text.length < 1) return;
        [channel, data] = [text.charCodeAt(0) - 48, Buffer.from(text.slice(1), 'base64')];
      } else return; // wrong message type for the negotiated protocol: ignored, like wsstream
      // Error channels (odd) are write-only; a channel below '0' in base64 text names no port at all.
      const write = channel % 2 === 0 ? writers[channel / 2] : undefined;
      if (!write || !data.length) return;
      rec.bytesIn += data.length;
      write(data);
    });
    ws.on('close', () => {
      for (const b of session.backends) b.destroy();
      closedOne();
    });
    return rec;
  }
}
