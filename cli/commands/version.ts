// `nsinspect version`: the client's version and, where an agent is reachable, the agent's, as `kubectl version` prints client and server.
import type { ClusterFlags } from './cluster.js';
import { print } from '../output/format.js';

interface VersionJSON {
  clientVersion: string;
  agentVersion?: string;
  /** The node whose agent answered; absent with --agent (the URL says where). */
  agentNode?: string;
}

/** What the agent says of itself: GET /v1 carries its version (the index of its routes). */
async function agentVersion(opts: ClusterFlags): Promise<{ version: string; node?: string; where: string }> {
  const { Cluster } = await import('../cluster/session.js');
  const cluster = await Cluster.load(opts);
  const { agent, node } = await cluster.anyAgent();
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
