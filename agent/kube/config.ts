// Finds the agent's Kubernetes config: a flag, in-cluster, then KUBECONFIG, then ~/.kube/config.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface LoadedConfig {
  kc: KubeConfig;
  source: string;
}

/** The config to use, or null when there is none: the agent then serves node-local endpoints only. */
export function loadKubeConfig(explicit?: string): LoadedConfig | null {
  const kc = new KubeConfig();
  if (explicit) {
    kc.loadFromFile(explicit);
    return { kc, source: explicit };
  }
  if (process.env.KUBERNETES_SERVICE_HOST && existsSync(SA_TOKEN)) {
    kc.loadFromCluster();
    return { kc, source: 'in-cluster' };
  }
  const env = process.env.KUBECONFIG?.split(':').find((p) => p && existsSync(p));
  if (env) {
    kc.loadFromFile(env);
    return { kc, source: env };
  }
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) {
    kc.loadFromFile(home);
    return { kc, source: home };
  }
  return null;
}
