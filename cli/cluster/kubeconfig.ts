// Loads the user's kubeconfig as kubectl does: --kubeconfig, else every file in KUBECONFIG that exists, merged first-wins, else ~/.kube/config.
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

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
  const present = files.filter((f) => existsSync(f));
  if (present.length === 0) throw new Error(`none of the files in KUBECONFIG exists (${files.join(delimiter)})`);
  kc.loadFromFile(present[0]);
  for (const f of present.slice(1)) {
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
