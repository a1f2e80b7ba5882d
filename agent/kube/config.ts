// Finds the agent's Kubernetes config: a flag, in-cluster, then KUBECONFIG, then ~/.kube/config.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type KubeClient, inClusterClient, kubeconfigClient } from './client.js';

const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface LoadedConfig {
  client: KubeClient;
  source: string;
}

/** The config to use, or null when there is none: the agent then serves node-local endpoints only. */
export async function loadKubeConfig(explicit?: string): Promise<LoadedConfig | null> {
  if (explicit) return { client: await kubeconfigClient(explicit), source: explicit };
  if (process.env.KUBERNETES_SERVICE_HOST && existsSync(SA_TOKEN)) return { client: inClusterClient(), source: 'in-cluster' };
  const env = process.env.KUBECONFIG?.split(':').find((p) => p && existsSync(p));
  if (env) return { client: await kubeconfigClient(env), source: env };
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return { client: await kubeconfigClient(home), source: home };
  return null;
}
