// The fallback for kubeconfigs the small reader leaves alone (auth-provider, basic auth, impersonation, proxies, in-cluster): @kubernetes/client-node reads them and talks to the API server, as before.
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { CoreV1Api, KubeConfig, PortForward, type V1Pod } from '@kubernetes/client-node';
import type { Kube, PodQuery } from './api.js';
import { openTunnel, type Tunnel, type WsLike } from './tunnel.js';
import { impersonationHeaders, RequestTimeout, type RequestOverrides } from './overrides.js';

/**
 * kubectl's merge rules for KUBECONFIG's list: a missing file is skipped, the first file to set
 * current-context wins, and the first cluster, user or context of a name wins (client-node's
 * own loadFromDefault fails on a missing file and on a repeated name).
 */
export function loadKubeconfig(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  if (explicit) {
    kc.loadFromFile(explicit);
    return kc;
  }
  const files = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (files.length === 0) {
    kc.loadFromDefault();
    return kc;
  }
  const [first, ...others] = files.filter((f) => existsSync(f));
  if (first === undefined) throw new Error(`none of the files in KUBECONFIG exists (${files.join(delimiter)})`);
  kc.loadFromFile(first);
  for (const f of others) {
    const more = new KubeConfig();
    more.loadFromFile(f);
    if (!kc.currentContext && more.currentContext) kc.currentContext = more.currentContext;
    const merge = <T extends { name: string }>(into: T[] | undefined, from: T[] | undefined): T[] => {
      const out = [...(into ?? [])];
      for (const x of from ?? []) if (!out.some((y) => y.name === x.name)) out.push(x);
      return out;
    };
    kc.clusters = merge(kc.clusters, more.clusters);
    kc.users = merge(kc.users, more.users);
    kc.contexts = merge(kc.contexts, more.contexts);
  }
  return kc;
}

/**
 * --request-timeout and --as/--as-group on client-node's two paths: the generated REST client
 * (applySecurityAuthentication: an abort signal, and the headers as name/value pairs so that
 * several Impersonate-Group lines survive node-fetch) and WebSockets (applyToHTTPSOptions).
 * They replace a kubeconfig user's own `as`, as kubectl's flags do.
 */
function applyOverrides(kc: KubeConfig, o: RequestOverrides): void {
  const extra = Object.entries(impersonationHeaders(o));
  const rest = kc.applySecurityAuthentication.bind(kc);
  kc.applySecurityAuthentication = async (ctx) => {
    await rest(ctx);
    if (o.timeoutMs) ctx.setSignal(AbortSignal.timeout(o.timeoutMs));
    if (extra.length === 0) return;
    const names = new Set(extra.map(([k]) => k.toLowerCase()));
    const pairs = Object.entries(ctx.getHeaders()).filter(([k]) => !names.has(k.toLowerCase()));
    for (const [k, v] of extra) for (const one of [v].flat()) pairs.push([k, one]);
    ctx.getHeaders = () => pairs as unknown as Record<string, string>;
  };
  const ws = kc.applyToHTTPSOptions.bind(kc);
  kc.applyToHTTPSOptions = async (opts) => {
    await ws(opts);
    if (extra.length) opts.headers = { ...opts.headers, ...Object.fromEntries(extra) };
    if (o.timeoutMs) (opts as { handshakeTimeout?: number }).handshakeTimeout = o.timeoutMs;
  };
}

/** The API server as client-node reaches it: its REST client, its port-forward, its auth. */
export class ClientNodeKube implements Kube {
  private readonly core: CoreV1Api;
  readonly namespace: string;
  readonly userName: string;

  constructor(
    private readonly kc: KubeConfig,
    private readonly o: RequestOverrides = {},
  ) {
    applyOverrides(kc, o);
    this.core = kc.makeApiClient(CoreV1Api);
    this.namespace = kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
    this.userName = kc.getCurrentUser()?.name ?? '';
  }

  /** --context, checked; the current cluster, checked. Errors as Cluster.load words them. */
  static load(explicit: string | undefined, context: string | undefined, o: RequestOverrides = {}): ClientNodeKube | { noContext: string } | { noCluster: true } {
    const kc = loadKubeconfig(explicit);
    if (context) {
      if (!kc.getContextObject(context)) return { noContext: context };
      kc.setCurrentContext(context);
    }
    if (!kc.getCurrentCluster()) return { noCluster: true };
    return new ClientNodeKube(kc, o);
  }

  /** An abort by the --request-timeout signal, worded as the small client words it. */
  private async bounded<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (this.o.timeoutMs && (name === 'AbortError' || name === 'TimeoutError')) throw new RequestTimeout(this.o.timeoutMs, `the API server at ${this.kc.getCurrentCluster()?.server ?? '?'}`);
      throw err;
    }
  }

  getPod(namespace: string, name: string): Promise<V1Pod> {
    return this.bounded(this.core.readNamespacedPod({ name, namespace }));
  }

  async listPods(namespace: string | undefined, q: PodQuery = {}): Promise<V1Pod[]> {
    const l = await this.bounded(namespace === undefined ? this.core.listPodForAllNamespaces(q) : this.core.listNamespacedPod({ namespace, ...q }));
    return l.items;
  }

  async listNames(kind: 'namespaces' | 'nodes'): Promise<string[]> {
    const l = await this.bounded<{ items: Array<{ metadata?: { name?: string } }> }>(kind === 'namespaces' ? this.core.listNamespace() : this.core.listNode());
    return l.items.flatMap((i) => (i.metadata?.name ? [i.metadata.name] : []));
  }

  async bearer(): Promise<{ token?: string; clientCert: boolean }> {
    const o: { headers?: Record<string, string>; cert?: unknown } = {};
    await this.kc.applyToHTTPSOptions(o as never);
    const h = o.headers?.Authorization ?? o.headers?.authorization;
    const m = h ? /^Bearer (.+)$/.exec(h) : null;
    const user = this.kc.getCurrentUser();
    return { ...(m ? { token: m[1] } : {}), clientCert: Boolean(user?.certData || user?.certFile || o.cert) };
  }

  /** client-node's PortForward bridges neither close direction; openTunnel does. */
  portForward(namespace: string, pod: string, port: number): Promise<Tunnel> {
    const pf = new PortForward(this.kc, true);
    return openTunnel(async (sock, errors) => {
      const res = await pf.portForward(namespace, pod, [port], sock, errors, sock);
      return (typeof res === 'function' ? res() : res) as unknown as WsLike | null;
    });
  }
}
