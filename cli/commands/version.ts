// `nsinspect version`: the client's version and, where an agent is reachable, the agent's, as `kubectl version` prints client and server.
import type { ClusterFlags } from './cluster.js';
import type { AgentClient } from '../cluster/agent-client.js';
import { NsinspectError } from '../../agent/model/errors.js';
import { print } from '../output/format.js';

interface VersionJSON {
  clientVersion: string;
  agentVersion?: string;
  /** The node whose agent answered; absent with --agent (the URL says where). */
  agentNode?: string;
}

/** --agent with no kubeconfig: only the agent is asked, so the token must be given outright (--token-file, NSINSPECT_TOKEN). */
async function agentAlone(url: string, opts: ClusterFlags): Promise<AgentClient> {
  const [{ explicitToken }, { AgentClient }, { agentNotice, checkAgentURL }] = await Promise.all([import('../cluster/session.js'), import('../cluster/agent-client.js'), import('../cluster/trust.js')]);
  const u = checkAgentURL(url);
  const token = explicitToken(opts);
  if (token === undefined) throw new NsinspectError('UNAUTHENTICATED', 'the agent needs a bearer token, and there is no kubeconfig to take one from', { hint: 'pass --token-file FILE, or set NSINSPECT_TOKEN' });
  process.stderr.write(agentNotice(u));
  return new AgentClient(u.href, token, u.host, undefined, undefined, opts.requestTimeout);
}

/** What the agent says of itself: GET /v1 carries its version (the index of its routes). */
async function agentVersion(opts: ClusterFlags): Promise<{ version: string; node?: string; where: string }> {
  const { Cluster, clusterConfigured } = await import('../cluster/session.js');
  const { agent, node } = opts.agent !== undefined && !clusterConfigured({ kubeconfig: opts.kubeconfig })
    ? { agent: await agentAlone(opts.agent, opts), node: undefined }
    : await (await Cluster.load(opts)).anyAgent();
  try {
    const index = await agent.get<{ version?: unknown }>('/v1');
    return { version: typeof index.version === 'string' ? index.version : 'unknown', ...(node ? { node } : {}), where: node ? `node ${node}` : new URL(agent.baseURL).origin };
  } finally {
    await agent.close();
  }
}

const minor = (v: string): string => v.split('.').slice(0, 2).join('.');

/**
 * --client, or no kubeconfig and no --agent: the client alone, exit 0 (nsinspect is used on nodes
 * without a cluster config). Otherwise the agent is asked; when it cannot be, the client's version
 * is still printed and the error follows, exit 1, as kubectl version does when the server is away.
 */
export async function version(client: string, opts: ClusterFlags & { client?: boolean }): Promise<void> {
  const { clusterConfigured } = await import('../cluster/session.js');
  const data: VersionJSON = { clientVersion: client };
  let agent: Awaited<ReturnType<typeof agentVersion>> | undefined;
  let failure: unknown;
  if (!opts.client && clusterConfigured(opts)) {
    try {
      agent = await agentVersion(opts);
      data.agentVersion = agent.version;
      if (agent.node) data.agentNode = agent.node;
    } catch (err) {
      failure = err;
    }
  }
  await print(data, opts, (d) => `Client Version: ${d.clientVersion}\n${agent ? `Agent Version: ${agent.version} (${agent.where})\n` : ''}`);
  if (agent && minor(agent.version) !== minor(client)) process.stderr.write(`WARNING: this client (${client}) and the agent (${agent.version}) differ in minor version: the JSON shapes or flags may not match\n`);
  if (failure !== undefined) throw failure;
}
