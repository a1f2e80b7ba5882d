// Owns client credentials on disk: kubeconfig files and in-cluster service-account directories pointing at the fake server.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeconfigOptions {
  /** Bearer token for the user entry (default: the server's default token). */
  token?: string;
  /** Default namespace of the context (default "default"). */
  namespace?: string;
  /** Context/cluster/user name (default "fake"). */
  name?: string;
}

/** Writes a kubeconfig (JSON, which is valid YAML) with the CA embedded and returns a KubeConfig loaded from it. */
export function writeKubeconfigFile(path: string, server: string, caPem: string, o: Required<Pick<KubeconfigOptions, 'token'>> & KubeconfigOptions): KubeConfig {
  const name = o.name ?? 'fake';
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: `${name}-user`, user: { token: o.token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-user`, namespace: o.namespace ?? 'default' } }],
    'current-context': name,
    preferences: {},
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/**
 * Writes `<prefix>/var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt,namespace}` and returns the env vars
 * that make `kc.loadFromCluster(prefix)` (with that env) talk to the fake server, as an in-cluster agent would.
 */
export function writeServiceAccountFiles(prefix: string, port: number, caPem: string, token: string, namespace: string) {
  const dir = join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'token'), token, { mode: 0o600 });
  writeFileSync(join(dir, 'ca.crt'), caPem);
  writeFileSync(join(dir, 'namespace'), namespace);
  return { dir, env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port) } };
}
