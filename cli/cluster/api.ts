// The API server as the CLI needs it (read and list pods, port-forward), over Node's https and ws, with the small kubeconfig reader's credentials.
import { Agent as HttpsAgent, request, type RequestOptions } from 'node:https';
import { Agent as HttpAgent, request as plainRequest } from 'node:http';
import { createSecureContext } from 'node:tls';
import type { Socket } from 'node:net';
import type { PassThrough } from 'node:stream';
import type { V1Pod } from '@kubernetes/client-node';
import type { Target } from './kubeconfig.js';
import { credentialsOf, type Credentials } from './credentials.js';
import { openTunnel, type Tunnel, type WsLike } from './tunnel.js';
import { impersonationHeaders, RequestTimeout, type RequestOverrides } from './overrides.js';

export interface PodQuery {
  labelSelector?: string;
  fieldSelector?: string;
}

/** What the cluster commands ask of the API server; client-node.ts is the other implementation. */
export interface Kube {
  /** The context's namespace, else "default". */
  readonly namespace: string;
  readonly userName: string;
  getPod(namespace: string, name: string): Promise<V1Pod>;
  listPods(namespace: string | undefined, q?: PodQuery): Promise<V1Pod[]>;
  /** Names of the cluster's namespaces or nodes (completion). */
  listNames(kind: 'namespaces' | 'nodes'): Promise<string[]>;
  /** The bearer token the kubeconfig user signs in with, if any, and whether it has a client certificate. */
  bearer(): Promise<{ token?: string; clientCert: boolean }>;
  portForward(namespace: string, pod: string, port: number): Promise<Tunnel>;
}

/** An API error as client-node's ApiException carries it (code, body), so apiError words both alike. */
class ApiError extends Error {
  constructor(readonly code: number, readonly body: string) {
    super(`HTTP-Code: ${code}`);
  }
}

/** The portforward subprotocols, newest first, as client-node offers them. */
const PORTFORWARD_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

export class LightKube implements Kube {
  private creds: Promise<Credentials> | undefined;
  readonly namespace: string;
  readonly userName: string;

  constructor(
    private readonly t: Target,
    private readonly o: RequestOverrides = {},
  ) {
    this.namespace = t.namespace;
    this.userName = t.userName;
    this.agent = t.server.startsWith('https:') ? new HttpsAgent({ keepAlive: true, maxSockets: 4 }) : new HttpAgent({ keepAlive: true, maxSockets: 4 });
  }

  private credentials(): Promise<Credentials> {
    return (this.creds ??= credentialsOf(this.t));
  }

  private opts: Promise<RequestOptions & { headers: Record<string, string | string[]> }> | undefined;

  /**
   * TLS and auth options for every request and upgrade: one TLS context (a context with a CA of
   * its own costs ~20 ms to build) and one keep-alive connection for the REST calls.
   */
  private options(): Promise<RequestOptions & { headers: Record<string, string | string[]> }> {
    return (this.opts ??= this.credentials().then((c) => {
      const https = this.t.server.startsWith('https:');
      const secureContext = https ? createSecureContext({ ...(this.t.ca ? { ca: this.t.ca } : {}), ...(c.cert ? { cert: c.cert } : {}), ...(c.key ? { key: c.key } : {}) }) : undefined;
      return {
        ...(secureContext ? { secureContext } : {}),
        rejectUnauthorized: !this.t.insecure,
        headers: { accept: 'application/json', ...(c.token ? { authorization: `Bearer ${c.token}` } : {}), ...impersonationHeaders(this.o) },
      };
    }));
  }

  /** Idle keep-alive sockets are unref'd by Node: they do not hold the CLI open. */
  private readonly agent: HttpAgent;

  private async get<T>(path: string): Promise<T> {
    const o = await this.options();
    const url = new URL(this.t.server + path);
    const send = url.protocol === 'https:' ? request : plainRequest;
    // --request-timeout bounds the whole exchange (0: unbounded); without it, 30 s of silence ends it.
    const limit = this.o.timeoutMs;
    return new Promise<T>((resolve, reject) => {
      const req = send(url, { ...o, method: 'GET', agent: this.agent, ...(limit === undefined ? { timeout: 30_000 } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (b: Buffer) => chunks.push(b));
        res.on('error', reject);
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) > 299) return reject(new ApiError(res.statusCode ?? 0, text));
          try {
            resolve(JSON.parse(text) as T);
          } catch (err) {
            reject(err);
          }
        });
      });
      const timer = limit ? setTimeout(() => req.destroy(new RequestTimeout(limit, `the API server at ${url.origin}`)), limit) : undefined;
      req.on('timeout', () => req.destroy(new Error(`no answer from ${url.origin} in 30 s`)));
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end();
    });
  }

  getPod(namespace: string, name: string): Promise<V1Pod> {
    return this.get<V1Pod>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`);
  }

  async listPods(namespace: string | undefined, q: PodQuery = {}): Promise<V1Pod[]> {
    const qs = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined) as Array<[string, string]>).toString();
    const base = namespace === undefined ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
    return (await this.get<{ items?: V1Pod[] }>(base + (qs ? `?${qs}` : ''))).items ?? [];
  }

  async listNames(kind: 'namespaces' | 'nodes'): Promise<string[]> {
    return ((await this.get<{ items?: Array<{ metadata?: { name?: string } }> }>(`/api/v1/${kind}`)).items ?? []).flatMap((i) => (i.metadata?.name ? [i.metadata.name] : []));
  }

  async bearer(): Promise<{ token?: string; clientCert: boolean }> {
    const c = await this.credentials();
    return { ...(c.token ? { token: c.token } : {}), clientCert: Boolean(c.cert) };
  }

  /** pods/portforward over a WebSocket: channel 0 carries the pod's bytes, channel 1 its errors, each opened with the port (2 bytes). */
  async portForward(namespace: string, pod: string, port: number): Promise<Tunnel> {
    const { default: WebSocket } = await import('ws');
    const o = await this.options();
    const url = new URL(`${this.t.server}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward?ports=${port}`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return openTunnel((sock: Socket, errors: PassThrough) => new Promise<WsLike | null>((resolve, reject) => {
      // ws's own headers type allows one value per name; Node's request sends an array as repeated lines (Impersonate-Group).
      const ws = new WebSocket(url, PORTFORWARD_PROTOCOLS, { ...o, headers: o.headers as Record<string, string>, ...(this.o.timeoutMs === 0 ? {} : { handshakeTimeout: this.o.timeoutMs ?? 30_000 }) });
      const prefix = [true, true];
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (!isBinary || data.length === 0) return;
        const ch = data[0];
        let b = data.subarray(1);
        if (ch !== 0 && ch !== 1) return ws.close(); // an unknown channel: disconnect, as client-node does
        if (prefix[ch]) {
          b = b.subarray(2);
          prefix[ch] = false;
        }
        if (ch === 1) errors.write(b);
        else sock.write(b);
      });
      ws.once('open', () => {
        sock.on('data', (b: Buffer) => ws.send(Buffer.concat([Buffer.of(0), b])));
        sock.on('end', () => ws.close());
        resolve(ws);
      });
      ws.once('error', (err) => reject(/handshake has timed out/.test(err.message) && this.o.timeoutMs ? new RequestTimeout(this.o.timeoutMs, 'the API server (port-forward)') : err));
    }));
  }
}
