// Finds the agent's Kubernetes config: a flag, in-cluster, then KUBECONFIG, then ~/.kube/config.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type KubeClient, inClusterClient, kubeconfigClient } from './client.js';
import { NsinspectError, errnoOf } from '../model/errors.js';

const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
/** The explicit kubeconfig: the flag or its env twin. */
const FLAG = '--kubeconfig or NSINSPECT_KUBECONFIG';

export interface LoadedConfig {
  client: KubeClient;
  source: string;
}

/** The config to use, or null when there is none: the agent then serves node-local endpoints only. */
export async function loadKubeConfig(explicit?: string): Promise<LoadedConfig | null> {
  if (explicit) return { client: await fromFile(explicit, FLAG), source: explicit };
  if (process.env.KUBERNETES_SERVICE_HOST && existsSync(SA_TOKEN)) return { client: inClusterClient(), source: 'in-cluster' };
  const env = process.env.KUBECONFIG?.split(':').find((p) => p && existsSync(p));
  if (env) return { client: await fromFile(env, 'KUBECONFIG'), source: env };
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return { client: await fromFile(home, 'the default ~/.kube/config'), source: home };
  return null;
}

/** What a failed read of a file means, in words, by errno. */
const READ_ERRORS: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'it is a directory' };

/** A kubeconfig file's client; a file that cannot be read or used is the user's to fix: say which and why. */
async function fromFile(file: string, from: string): Promise<KubeClient> {
  try {
    return await kubeconfigClient(file);
  } catch (err) {
    const errno = errnoOf(err);
    // The kubeconfig names other files (CA, client certificate and key, token): say which one failed.
    const path = typeof err === 'object' && err !== null && 'path' in err && typeof err.path === 'string' ? err.path : file;
    const why = (errno && READ_ERRORS[errno]) ?? (err instanceof Error ? err.message : String(err)).replace(`kubeconfig ${file}: `, '');
    const what = path === file ? why : `${path}, which it names: ${why}`;
    // A wrong flag is a usage error (exit 2); a broken file found by KUBECONFIG or at home is not.
    throw new NsinspectError(from === FLAG ? 'INVALID' : 'UNAVAILABLE', `reading the kubeconfig ${file} (from ${from}): ${what}`, {
      hint: 'point --kubeconfig (or NSINSPECT_KUBECONFIG) at a readable kubeconfig, or run the agent in the cluster with its service account',
      cause: err,
    });
  }
}
