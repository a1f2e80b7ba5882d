// Where completion's dynamic values come from: the kubeconfig, the API server (bounded in time) and this node's containers; silent on every error.
import type { Line, Sources } from './completion.js';
import type { Cluster } from './cluster/session.js';

/** A TAB must answer quickly: past this, the API's answer is dropped. */
export const COMPLETION_TIMEOUT_MS = 2_000;

/** The API's answer within the timeout, else []; the clock starts once the client is loaded (loading is not the server's delay). */
async function bounded<T>(l: Line, f: (c: Cluster) => Promise<T[]>, ms = COMPLETION_TIMEOUT_MS): Promise<T[]> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const { Cluster } = await import('./cluster/session.js');
    // requestTimeout ends the request itself at the bound, not only the wait for it.
    const c = await Cluster.load({
      kubeconfig: l.kubeconfig, context: l.context, namespace: l.namespace, agentNamespace: 'nsinspect-system', requestTimeout: ms,
      ...(l.as ? { as: l.as } : {}), ...(l.asGroups ? { asGroup: l.asGroups } : {}),
    });
    return await Promise.race([f(c), new Promise<T[]>((resolve) => (timer = setTimeout(() => resolve([]), ms)))]);
  } catch {
    return [];
  } finally {
    clearTimeout(timer);
  }
}

const names = (items: Array<{ metadata?: { name?: string } }>): string[] => items.map((i) => i.metadata?.name).filter((n): n is string => Boolean(n));

const apiSources: Omit<Sources, 'contexts' | 'containerIDs'> = {
  namespaces: (l) => bounded(l, (c) => c.kube.listNames('namespaces')),
  nodes: (l) => bounded(l, (c) => c.kube.listNames('nodes')),
  pods: (l) => bounded(l, async (c) => names(await c.listPods(l.allNamespaces ? undefined : c.namespace))),
  containers: (l, pod) =>
    bounded(l, async (c) => {
      const p = await c.readPod(pod.replace(/^(pod|pods|po)\//, ''));
      const s = p.spec;
      return [...(s?.ephemeralContainers ?? []), ...(s?.containers ?? []), ...(s?.initContainers ?? [])].map((c) => c.name);
    }),
};

/** Every source, each loading its modules only when asked: a TAB on a subcommand loads no Kubernetes client. */
export function loadSources(): Sources {
  return {
    ...apiSources,
    contexts: async (l) => {
      try {
        const { kubeconfigFiles, readKubeconfig } = await import('./cluster/kubeconfig.js');
        return (await readKubeconfig(kubeconfigFiles(l.kubeconfig))).contexts.map((c) => c.name);
      } catch {
        return [];
      }
    },
    containerIDs: async () => {
      if (process.geteuid?.() !== 0) return [];
      try {
        const { Engine } = await import('../agent/inspect/engine.js');
        return new Engine().index.all().map((e) => e.containerID);
      } catch {
        return [];
      }
    },
  };
}
