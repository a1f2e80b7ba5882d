// Owns the HTTPS listener: caller authentication, impersonation, optional RBAC, the portforward upgrade, request log and fault-injection state (routes.ts serves the resources).
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { AuthState, ReviewError, type ResourceAttributes, type UserInfo } from './auth.js';
import { parsePorts, PortForwardHub, PORTFORWARD_PROTOCOLS } from './portforward.js';
import { SelectorError } from './selectors.js';
import { forbiddenMessage, sendJson, sendStatus, writeStatusToSocket, type StatusJson } from './status.js';
import { PodStore, StoreError } from './store.js';
import type { TlsMaterial } from './tls.js';
import { WatchHub } from './watch.js';
import { PORTFORWARD_PATH, route, type RouteContext, segment } from './routes.js';
import { handshakeProblem, offeredProtocols } from './websocket.js';
import { impersonate, isRefusal } from './impersonation.js';

export interface ServerOptions {
  /** Change events kept for watch resumption (default 1000); older resourceVersions get 410 Expired. */
  historyLimit?: number;
  /** Reject requests without a known bearer token with 401 (default true). */
  requireAuth?: boolean;
  /** Check every pod/review/portforward request of the caller against the policy table; 403 Forbidden if denied (default false). Impersonate-* headers are authorized whatever this says, as by the real server. */
  enforceRbac?: boolean;
  /** Server-side cap on watch duration when the client sends no timeoutSeconds (default: none). */
  watchTimeoutSeconds?: number;
  /** Send BOOKMARK events this often to watches with allowWatchBookmarks=true (default 0 = never; see bookmark()). */
  bookmarkIntervalMs?: number;
}

export interface RequestLogEntry {
  /** HTTP method, or "WATCH" for GETs with watch=true|1. */
  verb: string;
  path: string;
  /** Raw query string including the leading "?" (or ""). */
  query: string;
  /** Authenticated caller username, if any. */
  user?: string;
  /** Whom the caller impersonated (Impersonate-User), once allowed; the request ran as this user. */
  impersonatedUser?: string;
  impersonatedGroups?: string[];
  /** Response status code; undefined while a watch stream is still open. */
  status?: number;
  at: number;
}

/** '503': answer every request with 503 ServiceUnavailable. 'reset': destroy every TCP connection on arrival. */
export type DownMode = '503' | 'reset';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Fail = (code: number, reason: string, message: string, details?: StatusJson['details']) => void;

export class FakeApiHttpServer {
  readonly store: PodStore;
  readonly auth = new AuthState();
  readonly watches: WatchHub;
  readonly portForwards = new PortForwardHub();
  readonly log: RequestLogEntry[] = [];
  /** Namespaces by name, with their labels; GET /api/v1/namespaces/NAME answers 404 for any other name. */
  readonly namespaces = new Map<string, { uid: string; created: string; labels: Record<string, string> }>();
  port = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private down: false | DownMode = false;
  private latencyMs = 0;
  private watchGate?: { promise: Promise<void>; release: () => void };
  /** What the REST routes (routes.ts) use of this server. */
  private readonly routes: RouteContext;

  constructor(tls: TlsMaterial, readonly opts: ServerOptions = {}) {
    this.store = new PodStore(opts.historyLimit ?? 1000);
    this.watches = new WatchHub(this.store, opts.bookmarkIntervalMs ?? 0);
    const { store, auth, watches, namespaces } = this;
    this.routes = { store, auth, watches, namespaces, watchTimeoutSeconds: opts.watchTimeoutSeconds, watchGate: () => this.watchGate?.promise, rbac: (res, caller, a) => this.rbac(res, caller, a) };
    this.server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => void this.handle(req, res));
    this.server.on('connection', (s: Socket) => {
      if (this.down === 'reset') return void s.destroy();
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.handleUpgrade(req, socket, head));
    this.server.on('tlsClientError', () => {}); // aborted handshakes are expected when tests reset connections
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  setDown(down: boolean, mode: DownMode = '503'): void {
    this.down = down ? mode : false;
    if (!down) return;
    this.watches.drop('destroy');
    this.portForwards.drop();
    if (mode === 'reset') for (const s of this.sockets) s.destroy();
  }

  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  /** New watch requests wait (headers unsent) until resumeWatches(); lists and other calls are unaffected. */
  pauseWatches(): void {
    if (this.watchGate) return;
    let release!: () => void;
    const promise = new Promise<void>((r) => (release = r));
    this.watchGate = { promise, release };
  }

  resumeWatches(): void {
    this.watchGate?.release();
    this.watchGate = undefined;
  }

  async close(): Promise<void> {
    this.resumeWatches();
    this.watches.close();
    this.portForwards.drop();
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    for (const s of this.sockets) s.destroy();
    await closed;
    await this.portForwards.waitFor((n) => n === 0, 2000).catch(() => {}); // backend sockets close asynchronously
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const q = url.searchParams;
    const isWatch = req.method === 'GET' && (q.get('watch') === 'true' || q.get('watch') === '1');
    const entry: RequestLogEntry = { verb: isWatch ? 'WATCH' : req.method ?? 'GET', path: url.pathname, query: url.search, at: Date.now() };
    this.log.push(entry);
    res.on('close', () => (entry.status = res.headersSent ? res.statusCode : undefined));
    try {
      if (this.latencyMs) await sleep(this.latencyMs);
      if (this.down === 'reset') return void req.socket.destroy();
      if (this.down) return sendStatus(res, 503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
      if (req.method === 'GET' && ['/healthz', '/livez', '/readyz'].includes(url.pathname)) {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        return void res.end('ok');
      }
      if (req.method === 'GET' && url.pathname === '/version') {
        return sendJson(res, 200, { major: '1', minor: '31', gitVersion: 'v1.31.0-fake', platform: 'linux/amd64' });
      }
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      const caller = this.auth.authenticate(m?.[1]);
      if (caller) entry.user = caller.username;
      if (!caller && this.opts.requireAuth !== false) return sendStatus(res, 401, 'Unauthorized', 'Unauthorized');
      const as = this.impersonated(req, entry, caller ?? { username: 'system:anonymous', groups: ['system:unauthenticated'] });
      if (isRefusal(as)) return sendStatus(res, ...as);
      await route(this.routes, req, res, url, isWatch, as);
    } catch (err) {
      if (res.headersSent) return void res.destroy();
      if (err instanceof ReviewError || err instanceof StoreError) return sendStatus(res, err.code, err.reason, err.message);
      if (err instanceof SelectorError) return sendStatus(res, 400, 'BadRequest', err.message);
      sendStatus(res, 500, 'InternalError', `Internal error occurred: ${(err as Error).message}`);
    }
  }

  /** Impersonation, after authentication and before authorization, as the real filter chain orders them. */
  private impersonated(req: IncomingMessage, entry: RequestLogEntry, caller: UserInfo): ReturnType<typeof impersonate> {
    const as = impersonate(this.auth, caller, req);
    if (!isRefusal(as) && as !== caller) [entry.impersonatedUser, entry.impersonatedGroups] = [as.username, as.groups];
    return as;
  }

  /** 403s and returns false when RBAC enforcement is on and the policy table denies the caller. */
  private rbac(res: ServerResponse | Fail, caller: UserInfo, a: ResourceAttributes): boolean {
    if (!this.opts.enforceRbac || this.auth.authorize(caller.username, caller.groups, a).allowed) return true;
    const fail: Fail = typeof res === 'function' ? res : (...args) => sendStatus(res, ...args);
    fail(403, 'Forbidden', forbiddenMessage(caller.username, a), { ...(a.name ? { name: a.name } : {}), ...(a.group ? { group: a.group } : {}), kind: a.resource });
    return false;
  }

  /** WebSocket upgrades: only pods/portforward. Same log/latency/down/authn/authz/404 order as plain requests. */
  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const entry: RequestLogEntry = { verb: req.method ?? 'GET', path: url.pathname, query: url.search, at: Date.now() };
    this.log.push(entry);
    const fail: Fail = (code, ...rest) => ((entry.status = code), writeStatusToSocket(socket, code, ...rest));
    try {
      if (this.latencyMs) await sleep(this.latencyMs);
      if (this.down === 'reset' || socket.destroyed) return void socket.destroy();
      if (this.down) return fail(503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      const caller = this.auth.authenticate(m?.[1]);
      if (caller) entry.user = caller.username;
      if (!caller && this.opts.requireAuth !== false) return fail(401, 'Unauthorized', 'Unauthorized');
      const who = this.impersonated(req, entry, caller ?? { username: 'system:anonymous', groups: ['system:unauthenticated'] });
      if (isRefusal(who)) return fail(...who);
      const pf = PORTFORWARD_PATH.exec(url.pathname.replace(/\/+$/, ''));
      if (!pf) return fail(400, 'BadRequest', `upgrade requests are only served for pods/portforward by this fake: ${url.pathname}`);
      const [namespace, name] = [segment(pf, 1), segment(pf, 2)];
      if (!this.rbac(fail, who, { verb: 'create', group: '', resource: 'pods', subresource: 'portforward', namespace, name })) return;
      const pod = this.store.get(namespace, name);
      if (!pod) return fail(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' });
      if (!pod.spec.nodeName) return fail(400, 'BadRequest', `pod ${name} does not have a host assigned`);
      let ports: number[];
      try {
        ports = parsePorts(url.searchParams);
      } catch (err) {
        return fail(400, 'BadRequest', (err as Error).message);
      }
      const bad = handshakeProblem(req);
      if (bad) return fail(bad.code, bad.code === 405 ? 'MethodNotAllowed' : 'BadRequest', bad.message);
      const offered = offeredProtocols(req);
      const protocol = offered.length ? offered.find((p) => (PORTFORWARD_PROTOCOLS as readonly string[]).includes(p)) : '';
      if (protocol === undefined) {
        return fail(400, 'BadRequest', `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${PORTFORWARD_PROTOCOLS.join(' ')}]`);
      }
      entry.status = 101;
      this.portForwards.serve(req, socket, head, { namespace, pod: name, podUid: pod.metadata.uid ?? name, ports, protocol, user: caller?.username });
    } catch (err) {
      fail(500, 'InternalError', `Internal error occurred: ${(err as Error).message}`);
    }
  }

}
