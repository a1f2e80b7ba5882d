// The user's cluster: kubeconfig, namespace, bearer token, pods, and which agent serves a node.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { NsinspectError } from '../../agent/model/errors.js';
import { AgentClient } from './agent-client.js';
import type { Kube } from './api.js';
import { contextOf, kubeconfigFiles, readKubeconfig, targetOf } from './kubeconfig.js';
import { AGENT_DAEMONSET, agentNotice, checkAgentURL, controlledByDaemonSet, pickAgentPod } from './trust.js';
import { RequestTimeout, type RequestOverrides } from './overrides.js';

export interface ClusterOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  token?: string;
  tokenFile?: string;
  agent?: string;
  agentNamespace: string;
  /** The DaemonSet that must control the agent pod a token is sent to. */
  agentDaemonset?: string;
  /** --request-timeout, in ms (0: none). */
  requestTimeout?: number;
  /** --as and --as-group: impersonation on API requests. */
  as?: string;
  asGroup?: string[];
}

export const AGENT_PORT = 9742;
export const AGENT_LABEL = 'app.kubernetes.io/name=nsinspect';

const noContext = (name: string): NsinspectError => new NsinspectError('INVALID', `no context ${JSON.stringify(name)} in the kubeconfig`, { hint: 'list them with kubectl config get-contexts' });
const noCluster = (): NsinspectError => new NsinspectError('UNAVAILABLE', 'no cluster in the kubeconfig', { hint: 'pass --kubeconfig PATH, or set KUBECONFIG' });

/**
 * The common kubeconfigs (a server, its CA, a token, token file, client certificate or exec
 * plugin) are read by the small reader and served over Node's https: loading client-node costs
 * most of a second. Anything else goes to client-node, as before.
 */
async function openKube(opts: ClusterOptions): Promise<Kube> {
  const o = overridesOf(opts);
  const files = kubeconfigFiles(opts.kubeconfig);
  if (files.length > 0) {
    const kc = await readKubeconfig(files);
    const ctx = opts.context ?? kc.currentContext;
    if (opts.context && !contextOf(kc, opts.context)) throw noContext(opts.context);
    const target = ctx === undefined ? undefined : targetOf(kc, ctx);
    if (target) return new (await import('./api.js')).LightKube(target, o);
  }
  const { ClientNodeKube } = await import('./client-node.js');
  const k = ClientNodeKube.load(opts.kubeconfig, opts.context, o);
  if ('noContext' in k) throw noContext(k.noContext);
  if ('noCluster' in k) throw noCluster();
  return k;
}

/** The request flags as the clients take them; --as-group alone is refused, as kubectl refuses it. */
function overridesOf(opts: ClusterOptions): RequestOverrides {
  if (opts.asGroup?.length && !opts.as) {
    throw new NsinspectError('INVALID', `--as-group ${opts.asGroup.join(',')} needs --as: groups are impersonated only together with a user`, { hint: 'add --as USER' });
  }
  return {
    ...(opts.requestTimeout !== undefined ? { timeoutMs: opts.requestTimeout } : {}),
    ...(opts.as ? { asUser: opts.as } : {}),
    ...(opts.asGroup?.length ? { asGroups: opts.asGroup } : {}),
  };
}

export class Cluster {
  private constructor(
    readonly kube: Kube,
    readonly namespace: string,
    private readonly opts: ClusterOptions,
  ) {}

  static async load(opts: ClusterOptions): Promise<Cluster> {
    // A bad --agent or a lone --as-group is refused before any request, not after the pod was read.
    if (opts.agent !== undefined) checkAgentURL(opts.agent);
    overridesOf(opts);
    if (!opts.kubeconfig && !hasDefaultKubeconfig()) {
      throw new NsinspectError('UNAVAILABLE', 'no kubeconfig found, and pod names need a cluster', {
        hint: 'pass --kubeconfig PATH or set KUBECONFIG; on a node, use pid/<n> or container/<id> as root',
      });
    }
    let kube: Kube;
    try {
      kube = await openKube(opts);
    } catch (err) {
      if (err instanceof NsinspectError) throw err;
      throw new NsinspectError('UNAVAILABLE', `reading the kubeconfig: ${(err as Error).message}`, { cause: err, hint: 'pass --kubeconfig PATH' });
    }
    return new Cluster(kube, opts.namespace ?? kube.namespace, opts);
  }

  /**
   * The bearer token the agent checks with a TokenReview: --token, --token-file or NSINSPECT_TOKEN
   * (explicitToken), else what the kubeconfig user gives (a token, a token file or an exec plugin).
   */
  async token(): Promise<string> {
    const explicit = explicitToken(this.opts);
    if (explicit !== undefined) return explicit;
    const b = await this.kube.bearer();
    if (b.token) return b.token;
    if (b.clientCert) {
      throw new NsinspectError('UNAUTHENTICATED', `your kubeconfig user ${JSON.stringify(this.kube.userName)} signs in with a client certificate, and the agent needs a bearer token`, {
        hint: 'pass --token "$(kubectl create token <service-account> -n <namespace>)"',
      });
    }
    throw new NsinspectError('UNAUTHENTICATED', 'the kubeconfig gives no bearer token for the agent', { hint: 'pass --token "$(kubectl create token <service-account>)"' });
  }

  async readPod(name: string, namespace = this.namespace): Promise<V1Pod> {
    try {
      return await this.kube.getPod(namespace, name);
    } catch (err) {
      throw apiError(err, `reading pod ${namespace}/${name}`, `kubectl get pods -n ${namespace}`);
    }
  }

  /** The pods of a namespace (undefined: every namespace), only those the -l selector matches when one is given. */
  async listPods(namespace: string | undefined, selector?: string): Promise<V1Pod[]> {
    try {
      return await this.kube.listPods(namespace, selector ? { labelSelector: selector } : {});
    } catch (err) {
      // A 400 on a list is the selector: the API server parsed it, as kubectl's users know it.
      if (selector && (err as { code?: number }).code === 400) throw apiError(err, `listing pods with -l ${JSON.stringify(selector)}`, "kubectl's selector syntax, e.g. -l 'app=web,tier!=db', -l 'env in (prod,staging)', -l '!canary'");
      throw apiError(err, 'listing pods', 'check your access with kubectl get pods');
    }
  }

  /** A client for the agent on the pod's node: --agent, else a port-forward to the node's agent pod. */
  async agentForPod(pod: V1Pod): Promise<AgentClient> {
    const node = pod.spec?.nodeName;
    if (!node) {
      throw new NsinspectError('NOT_RUNNING', `pod ${pod.metadata?.namespace}/${pod.metadata?.name} is not scheduled on a node yet`, {
        hint: `wait for it, or see why with kubectl describe pod ${pod.metadata?.name} -n ${pod.metadata?.namespace}`,
      });
    }
    return this.agentForNode(node);
  }

  /**
   * An agent to ask about itself (its version): --agent, else the agent of the first node where a
   * pod of the agent's DaemonSet runs. `node` is undefined with --agent: the URL says where.
   */
  async anyAgent(): Promise<{ agent: AgentClient; node?: string }> {
    if (this.opts.agent) return { agent: await this.agentForNode(checkAgentURL(this.opts.agent).host) };
    const ns = this.opts.agentNamespace;
    let pods: V1Pod[];
    try {
      pods = await this.kube.listPods(ns, { labelSelector: AGENT_LABEL });
    } catch (err) {
      throw apiError(err, `finding an nsinspect agent in ${ns}`, `check that you may list pods in ${ns}`);
    }
    const ds = this.opts.agentDaemonset ?? AGENT_DAEMONSET;
    const node = pods.find((p) => p.status?.phase === 'Running' && controlledByDaemonSet(p, ds))?.spec?.nodeName;
    if (!node) throw new NsinspectError('NOT_FOUND', `no running nsinspect agent in namespace ${ns}`, { hint: `is it deployed? kubectl get daemonset -n ${ns} -l ${AGENT_LABEL} (or pass --agent-namespace)` });
    return { agent: await this.agentForNode(node), node };
  }

  async agentForNode(node: string): Promise<AgentClient> {
    // The agent authorizes the bearer token's own user: impersonation is the API server's to grant, and the agent does not read it.
    if (this.opts.as) process.stderr.write(`nsinspect: --as applies to the API server; the agent on node ${node} checks your own token's permissions\n`);
    const timeout = this.opts.requestTimeout;
    if (this.opts.agent) {
      const u = checkAgentURL(this.opts.agent);
      const token = await this.token();
      process.stderr.write(agentNotice(u));
      return new AgentClient(u.href, token, node, undefined, undefined, timeout);
    }
    const token = await this.token();
    const ns = this.opts.agentNamespace;
    let pods: V1Pod[];
    try {
      pods = await this.kube.listPods(ns, { labelSelector: AGENT_LABEL, fieldSelector: `spec.nodeName=${node}` });
    } catch (err) {
      throw apiError(err, `finding the nsinspect agent on node ${node}`, `check that you may list pods in ${ns}`);
    }
    const running = pickAgentPod(pods, node, ns, this.opts.agentDaemonset ?? AGENT_DAEMONSET);
    if (!running?.metadata?.name) {
      throw new NsinspectError('NOT_FOUND', `no nsinspect agent on node ${node}`, {
        hint: `is it deployed? kubectl get daemonset -n ${ns} -l ${AGENT_LABEL} (or pass --agent-namespace)`,
      });
    }
    const tunnel = await this.kube.portForward(ns, running.metadata.name, AGENT_PORT);
    return new AgentClient(tunnel.url, token, node, tunnel.close, () => {
      const why = tunnel.lastError();
      return why?.includes('HTTP 403')
        ? `port-forward to agent pod ${ns}/${running.metadata?.name} was refused: you need create on pods/portforward in ${ns}`
        : why;
    }, timeout);
  }
}

const TOKEN = /^[\x21-\x7e]+$/;

/**
 * A token the user gave outright, in this order: --token (visible in ps), --token-file, the
 * NSINSPECT_TOKEN environment variable. Undefined: the kubeconfig's user decides.
 */
export function explicitToken(o: { token?: string; tokenFile?: string }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (o.token !== undefined && o.tokenFile !== undefined) throw new NsinspectError('INVALID', 'pass --token or --token-file, not both');
  let from: string;
  let raw: string | undefined;
  if (o.token !== undefined) [from, raw] = ['--token', o.token];
  else if (o.tokenFile !== undefined) {
    from = `--token-file ${o.tokenFile}`;
    try {
      raw = readFileSync(o.tokenFile, 'utf8');
    } catch (err) {
      throw new NsinspectError('NOT_FOUND', `reading the token file ${JSON.stringify(o.tokenFile)}: ${(err as Error).message}`, { cause: err, hint: 'write it with kubectl create token <service-account> > FILE' });
    }
  } else if (env.NSINSPECT_TOKEN) [from, raw] = ['NSINSPECT_TOKEN', env.NSINSPECT_TOKEN];
  else return undefined;
  const token = raw.trim();
  // Never echo the token itself: say where it came from.
  if (!TOKEN.test(token)) throw new NsinspectError('INVALID', `the token from ${from} is ${token ? 'not one line of printable ASCII' : 'empty'}`, { hint: 'a bearer token, as kubectl create token prints it' });
  return token;
}

/** Whether a cluster command could start at all: --agent, --kubeconfig, or a kubeconfig found as kubectl finds it. */
export function clusterConfigured(o: { agent?: string; kubeconfig?: string }): boolean {
  return o.agent !== undefined || Boolean(o.kubeconfig) || hasDefaultKubeconfig();
}

/** KUBECONFIG, ~/.kube/config or an in-cluster service account: what loadFromDefault would use. */
function hasDefaultKubeconfig(): boolean {
  const env = process.env.KUBECONFIG?.split(':').filter(Boolean) ?? [];
  if (env.some((p) => existsSync(p))) return true;
  if (existsSync(join(homedir(), '.kube', 'config'))) return true;
  return Boolean(process.env.KUBERNETES_SERVICE_HOST) && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token');
}

/** Turns a client-node ApiException into one clear line. */
export function apiError(err: unknown, doing: string, hint: string): NsinspectError {
  const e = err as { code?: number; body?: unknown; message?: string };
  const code = typeof e.code === 'number' ? e.code : undefined;
  if (err instanceof RequestTimeout) {
    return new NsinspectError('UNAVAILABLE', `${doing}: ${err.message}`, { cause: err, hint: 'raise --request-timeout (0 means none), or check that the API server is reachable: kubectl version' });
  }
  let msg = e.message ?? String(err);
  try {
    const body = typeof e.body === 'string' ? (JSON.parse(e.body) as { message?: string }) : (e.body as { message?: string } | undefined);
    if (body?.message) msg = body.message;
  } catch {
    // not JSON: keep the message
  }
  if (code === 404) return new NsinspectError('NOT_FOUND', `${doing}: ${msg}`, { cause: err, hint });
  if (code === 400) return new NsinspectError('INVALID', `${doing}: ${msg}`, { cause: err, hint });
  if (code === 401) return new NsinspectError('UNAUTHENTICATED', `${doing}: the API server did not accept your credentials`, { cause: err, hint: 'log in again, or check your kubeconfig' });
  if (code === 403) return new NsinspectError('FORBIDDEN', `${doing}: ${msg}`, { cause: err, hint: 'ask for that permission (RBAC)' });
  return new NsinspectError('UNAVAILABLE', `${doing}: ${msg}`, { cause: err, hint: 'check that the API server is reachable: kubectl version' });
}
