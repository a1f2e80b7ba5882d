// The agent's Kubernetes access without client-node's generated API (~40 MiB of RSS): credentials, JSON requests, and watches.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { V1Namespace, V1PodList, V1SubjectAccessReview, V1TokenReview } from '@kubernetes/client-node';

/** An error status from the API server: `code` as client-node's ApiException has it, `statusCode` as its Watch did. */
export class KubeHttpError extends Error {
  constructor(readonly code: number, readonly body: string, what: string) {
    super(`${what}: HTTP ${code} ${body.slice(0, 300)}`);
    this.name = 'KubeHttpError';
  }
  get statusCode(): number {
    return this.code;
  }
}

interface Credentials {
  agent: http.Agent;
  headers: Record<string, string>;
}

/**
 * The API server and how to authenticate to it. Static credentials (in-cluster, or a kubeconfig
 * with a token, token file or client certificate) are served here; exec plugins, auth providers,
 * basic auth and proxies go through client-node's full KubeConfig, loaded only then.
 */
export class KubeClient {
  constructor(
    readonly server: string,
    private readonly credentials: () => Promise<Credentials>,
    readonly skipTLSVerify = false,
  ) {}

  /**
   * A watch, as client-node's Watch.watch makes it: GET path?watch=true&query, one JSON event per
   * line to onEvent (lines that do not parse are skipped), then done once: null when the server
   * ends the stream, the error otherwise (a KubeHttpError for a status other than 200, so 410 Gone
   * is told apart). Aborting the controller ends the request, and done gets the abort error.
   */
  async watch(path: string, query: Record<string, string>, onEvent: (type: string, object: unknown) => void, done: (err: unknown) => void): Promise<AbortController> {
    const controller = new AbortController();
    let ended = false;
    const end = (err: unknown): void => {
      if (ended) return;
      ended = true;
      if (!controller.signal.aborted) controller.abort();
      done(err);
    };
    const url = new URL(this.server.replace(/\/+$/, '') + path);
    url.searchParams.set('watch', 'true');
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    let c: Credentials;
    try {
      c = await this.credentials();
    } catch (err) {
      end(err);
      return controller;
    }
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, { method: 'GET', agent: c.agent, headers: { accept: 'application/json', ...c.headers }, signal: controller.signal }, (res) => {
      if (res.statusCode !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('error', end);
        res.on('end', () => end(new KubeHttpError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), `watching ${url.pathname}`)));
        return;
      }
      res.on('error', end);
      // Closed before the last chunk: a cut, not the server's end of the watch (node-fetch's "Premature close").
      res.on('close', () => end(res.complete ? null : new Error(`watching ${url.pathname}: the stream was cut`)));
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      // readline re-emits its input's errors: unheard, a cut stream would crash the agent.
      lines.on('error', end);
      lines.on('line', (line) => {
        let event: { type?: unknown; object?: unknown };
        try {
          event = JSON.parse(line) as { type?: unknown; object?: unknown };
        } catch {
          return;
        }
        onEvent(String(event.type), event.object);
      });
    });
    // A watch idles for minutes: TCP keep-alive finds a dead peer, as client-node's Watch sets it.
    req.on('socket', (s) => s.setKeepAlive(true, 30_000));
    req.on('error', end);
    req.end();
    return controller;
  }

  /**
   * One JSON request; rejects with KubeHttpError on a status other than 2xx. A keep-alive socket
   * the server closed just as we reused it (ECONNRESET, EPIPE on a reused socket) is retried once
   * on a fresh one: every call is safe to repeat (a list, a get, and reviews that change nothing).
   */
  async request<T>(method: 'GET' | 'POST', path: string, body?: object): Promise<T> {
    try {
      return await this.requestOnce<T>(method, path, body);
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { reusedSocket?: boolean };
      if (!e.reusedSocket || (e.code !== 'ECONNRESET' && e.code !== 'EPIPE')) throw err;
      return this.requestOnce<T>(method, path, body);
    }
  }

  private async requestOnce<T>(method: 'GET' | 'POST', path: string, body?: object): Promise<T> {
    const c = await this.credentials();
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const url = new URL(this.server.replace(/\/+$/, '') + path);
    const mod = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string | number> = { accept: 'application/json', ...c.headers };
    if (payload !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
    return new Promise<T>((resolvePromise, reject) => {
      const req = mod.request(url, { method, agent: c.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) return reject(new KubeHttpError(status, text, `${method} ${url.pathname}`));
          try {
            resolvePromise(JSON.parse(text) as T);
          } catch (err) {
            reject(new Error(`${method} ${url.pathname}: the API server answered invalid JSON (${(err as Error).message})`));
          }
        });
      });
      req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
      req.end(payload);
    });
  }

  // The calls the agent makes, named as client-node's CoreV1Api, AuthenticationV1Api and
  // AuthorizationV1Api name them (test/deploy/rbac.test.ts finds the agent's calls by these names).
  // Objects are the API's JSON: timestamps stay strings.

  listPodForAllNamespaces(q: { fieldSelector: string }): Promise<V1PodList> {
    return this.request('GET', `/api/v1/pods?fieldSelector=${encodeURIComponent(q.fieldSelector)}`);
  }

  /** A namespace, for its pod-security.kubernetes.io labels. */
  readNamespace(p: { name: string }): Promise<V1Namespace> {
    return this.request('GET', `/api/v1/namespaces/${encodeURIComponent(p.name)}`);
  }

  createTokenReview(p: { body: V1TokenReview }): Promise<V1TokenReview> {
    return this.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', p.body);
  }

  createSubjectAccessReview(p: { body: V1SubjectAccessReview }): Promise<V1SubjectAccessReview> {
    return this.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', p.body);
  }
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** client-node's FileAuth re-reads a token file after a minute: bound service-account tokens rotate. */
const TOKEN_FILE_MAX_AGE_MS = 60_000;

function tokenFromFile(path: string): () => string {
  let token = '';
  let readAt = -Infinity;
  return () => {
    if (performance.now() - readAt >= TOKEN_FILE_MAX_AGE_MS) {
      token = readFileSync(path, 'utf8').trim();
      readAt = performance.now();
    }
    return token;
  };
}

function staticCredentials(server: string, tls: https.AgentOptions, token?: () => string): () => Promise<Credentials> {
  const agent = server.startsWith('https:') ? new https.Agent({ keepAlive: true, ...tls }) : new http.Agent({ keepAlive: true });
  return async (): Promise<Credentials> => {
    const t = token?.();
    return { agent, headers: t ? { authorization: `Bearer ${t}` } : {} };
  };
}

/** The pod's service account, as client-node's loadFromCluster reads it. */
export function inClusterClient(): KubeClient {
  const host = process.env.KUBERNETES_SERVICE_HOST ?? '';
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${process.env.KUBERNETES_SERVICE_PORT ?? '443'}`;
  return new KubeClient(server, staticCredentials(server, { ca: readFileSync(`${SA_DIR}/ca.crt`) }, tokenFromFile(`${SA_DIR}/token`)));
}

type Named<T> = { name: string } & T;
interface KubeconfigFile {
  'current-context'?: string;
  contexts?: Array<Named<{ context?: { cluster?: string; user?: string } }>>;
  clusters?: Array<Named<{ cluster?: Record<string, unknown> }>>;
  users?: Array<Named<{ user?: Record<string, unknown> }>>;
}

/** A kubeconfig file's current context. JSON is parsed directly; YAML with client-node's own js-yaml. */
export async function kubeconfigClient(file: string): Promise<KubeClient> {
  const text = readFileSync(file, 'utf8');
  let cfg: KubeconfigFile;
  try {
    cfg = JSON.parse(text) as KubeconfigFile;
  } catch {
    const yaml = createRequire(import.meta.resolve('@kubernetes/client-node'))('js-yaml') as { load(s: string): unknown };
    cfg = (yaml.load(text) ?? {}) as KubeconfigFile;
  }
  const ctx = cfg.contexts?.find((c) => c.name === cfg['current-context'])?.context;
  const cluster = cfg.clusters?.find((c) => c.name === ctx?.cluster)?.cluster;
  const user = cfg.users?.find((u) => u.name === ctx?.user)?.user ?? {};
  const server = typeof cluster?.server === 'string' ? cluster.server : undefined;
  if (!server) throw new Error(`kubeconfig ${file}: no server for the current context ${JSON.stringify(cfg['current-context'] ?? null)}`);
  if (['exec', 'auth-provider', 'username', 'password'].some((k) => k in user) || cluster?.['proxy-url']) return viaClientNode(file, server);
  const str = (o: Record<string, unknown> | undefined, k: string): string | undefined => (typeof o?.[k] === 'string' ? (o[k] as string) : undefined);
  const data = (o: Record<string, unknown> | undefined, k: string): Buffer | undefined => {
    const inline = str(o, `${k}-data`);
    if (inline) return Buffer.from(inline, 'base64');
    const path = str(o, k);
    return path ? readFileSync(resolve(dirname(file), path)) : undefined;
  };
  const skip = cluster?.['insecure-skip-tls-verify'] === true;
  const tls: https.AgentOptions = { rejectUnauthorized: !skip };
  const [ca, cert, key, servername] = [data(cluster, 'certificate-authority'), data(user, 'client-certificate'), data(user, 'client-key'), str(cluster, 'tls-server-name')];
  Object.assign(tls, ca && { ca }, cert && { cert }, key && { key }, servername && { servername });
  const tokenFile = str(user, 'tokenFile');
  const token = str(user, 'token');
  const getToken = token ? () => token : tokenFile ? tokenFromFile(resolve(dirname(file), tokenFile)) : undefined;
  return new KubeClient(server, staticCredentials(server, tls, getToken), skip);
}

/** Credentials that need client-node's machinery (exec plugins, OIDC...): its full KubeConfig, per request. */
async function viaClientNode(file: string, server: string): Promise<KubeClient> {
  const { KubeConfig: Full } = await import('@kubernetes/client-node');
  const kc = new Full();
  kc.loadFromFile(file);
  return new KubeClient(
    server,
    async () => {
      const o = (await kc.applyToFetchOptions({})) as { agent?: http.Agent; headers?: Iterable<[string, string]> };
      return { agent: o.agent ?? new https.Agent(), headers: Object.fromEntries(o.headers ?? []) };
    },
    kc.getCurrentCluster()?.skipTLSVerify === true,
  );
}
