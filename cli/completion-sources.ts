// Where completion's dynamic values come from: the kubeconfig, the API server (bounded in time) and this node's containers; silent on every error.
import type { Line, Sources } from './completion.js';

/** A TAB must answer quickly: past this, the API's answer is dropped. */
export const COMPLETION_TIMEOUT_MS = 2_000;

async function bounded<T>(f: () => Promise<T[]>, ms = COMPLETION_TIMEOUT_MS): Promise<T[]> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([f(), new Promise<T[]>((resolve) => (timer = setTimeout(() => resolve([]), ms)))]);
  } catch {
    return [];
  } finally {
    clearTimeout(timer);
  }
}

async function cluster(l: Line) {
  const { Cluster } = await import('./cluster/session.js');
  return Cluster.load({ kubeconfig: l.kubeconfig, context: l.context, namespace: l.namespace, agentNamespace: 'nsinspect-system' });
}

const names = (items: Array<{ metadata?: { name?: string } }>): string[] => items.map((i) => i.metadata?.name).filter((n): n is string => Boolean(n));

const apiSources: Omit<Sources, 'contexts' | 'containerIDs'> = {
  namespaces: (l) => bounded(async () => names((await (await cluster(l)).core.listNamespace()).items)),
  nodes: (l) => bounded(async () => names((await (await cluster(l)).core.listNode()).items)),
  pods: (l) =>
    bounded(async () => {
      const c = await cluster(l);
      return names(await c.listPods(l.allNamespaces ? undefined : c.namespace));
    }),
  containers: (l, pod) =>
    bounded(async () => {
      const p = await (await cluster(l)).readPod(pod.replace(/^(pod|pods|po)\//, ''));
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
        const { loadKubeconfig } = await import('./cluster/kubeconfig.js');
        return loadKubeconfig(l.kubeconfig).getContexts().map((c) => c.name);
      } catch {
        return [];
      }
    },
    containerIDs: async () => {
      if (process.geteuid?.() !== 0) return [];
      try {
        const { ContainerIndex } = await import('../agent/discovery/containers.js');
        return new ContainerIndex().all().map((e) => e.containerID);
      } catch {
        return [];
      }
    },
  };
}
