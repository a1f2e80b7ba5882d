// Tells node-local refs (pid/…, container/…) from pod refs (NAME or pod/NAME), and validates names.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { NsinspectError } from '../agent/model/errors.js';
import { NS_TYPES, type NsType, isNsType } from '../agent/model/types.js';
import { isDns1123Label, isDns1123Subdomain } from '../agent/model/formats.js';

export function isLocalRef(s: string): boolean {
  return /^(pid|p|container|c)\//.test(s);
}

/** NAMESPACE/POD: a pod named by namespace, answered on this node from the runtime's records (kubectl has no such form). */
export function isNamespacedPodRef(s: string): boolean {
  return /^[^/]+\/[^/]+$/.test(s) && !isLocalRef(s) && !/^(pod|pods|po)\//.test(s);
}

/** What the cluster path would load: KUBECONFIG, ~/.kube/config or an in-cluster service account. */
function hasKubeconfig(env: NodeJS.ProcessEnv): boolean {
  if ((env.KUBECONFIG?.split(':').filter(Boolean) ?? []).some((p) => existsSync(p))) return true;
  if (existsSync(join(env.HOME ?? homedir(), '.kube', 'config'))) return true;
  return Boolean(env.KUBERNETES_SERVICE_HOST) && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token');
}

/**
 * Whether a ref is answered here, in-process: pid/ and container/ refs, NAMESPACE/POD, and pod
 * refs under --local or when there is no cluster to ask (no kubeconfig, no --agent): on-call on a
 * node whose control plane is down.
 */
export function routesLocal(ref: string, o: { local?: boolean; kubeconfig?: string; agent?: string }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (isLocalRef(ref) || isNamespacedPodRef(ref) || o.local) return true;
  // Not root: the node-local path cannot read anything, so the cluster path's error says more.
  return process.geteuid?.() === 0 && !o.kubeconfig && !o.agent && !hasKubeconfig(env);
}

/** A pod ref on the node-local path: NAMESPACE/POD, or NAME / pod/NAME in -n NAMESPACE (default "default"). */
export function nodePodRef(s: string, namespace?: string): { namespace: string; name: string } {
  if (isNamespacedPodRef(s)) {
    const slash = s.indexOf('/');
    const [ns, name] = [s.slice(0, slash), s.slice(slash + 1)];
    if (namespace !== undefined && namespace !== ns) throw new NsinspectError('INVALID', `${JSON.stringify(s)} names namespace ${ns}, but -n says ${namespace}`, { hint: 'give the namespace once' });
    return { namespace: label('namespace', ns), name: podName(name) };
  }
  return { namespace: label('namespace', namespace ?? 'default'), name: podName(s) };
}

/** "web" or "pod/web" -> "web"; a DNS-1123 subdomain of at most 253 characters. */
export function podName(s: string): string {
  const name = s.replace(/^(pod|pods|po)\//, '');
  if (name.includes('/')) throw new NsinspectError('INVALID', `unknown ref ${JSON.stringify(s)}`, { hint: 'use a pod name, pod/NAME, pid/<n> or container/<id>' });
  if (!isDns1123Subdomain(name)) throw new NsinspectError('INVALID', `invalid pod name ${JSON.stringify(name)}: want a DNS-1123 name (lowercase letters, digits, - and .)`);
  return name;
}

/** Container names and namespaces are DNS-1123 labels. */
export function label(what: string, s: string): string {
  if (!isDns1123Label(s)) throw new NsinspectError('INVALID', `invalid ${what} ${JSON.stringify(s)}: want a DNS-1123 label (lowercase letters, digits and -, at most 63)`);
  return s;
}

export function nsTypes(list: string): NsType[] {
  const asked = list.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = asked.filter((t) => !isNsType(t));
  if (bad.length > 0 || asked.length === 0) {
    throw new NsinspectError('INVALID', `unknown namespace type ${bad.map((b) => JSON.stringify(b)).join(', ') || '""'}`, { hint: `use one of ${NS_TYPES.join(', ')}` });
  }
  return asked as NsType[];
}

/** Exit-3 check for --expect-shared: every listed type must be shared. */
export function checkExpectShared(shared: readonly NsType[], expected: readonly NsType[] | undefined): void {
  if (!expected) return;
  const missing = expected.filter((t) => !shared.includes(t));
  if (missing.length > 0) {
    throw new NsinspectError('EXPECTATION_FAILED', `expected ${expected.join(', ')} to be shared, but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not`);
  }
}
