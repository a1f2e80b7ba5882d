// Decides whom the CLI may hand the user's token to: an agent URL that does not leak it, an agent pod the nsinspect DaemonSet controls.
import type { V1Pod } from '@kubernetes/client-node';
import { NsinspectError } from '../../agent/model/errors.js';

/** The agent's DaemonSet in manifests/agent/daemonset.yaml. */
export const AGENT_DAEMONSET = 'nsinspect-agent';

/** 127.0.0.0/8, ::1 and localhost: plain http there never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The URL the user's bearer token may be sent to: https anywhere, plain http only on loopback
 * (a port-forward, or an agent on this machine). Anything else is refused before a byte is sent.
 */
export function checkAgentURL(raw: string, flag = '--agent'): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new NsinspectError('INVALID', `invalid ${flag} URL ${JSON.stringify(raw)}`, { hint: 'e.g. --agent http://127.0.0.1:9742 after kubectl port-forward' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new NsinspectError('INVALID', `${flag} URL ${JSON.stringify(raw)} is not http or https`, { hint: 'e.g. --agent http://127.0.0.1:9742 after kubectl port-forward' });
  }
  if (u.username || u.password) throw new NsinspectError('INVALID', `${flag} URL must not hold credentials`, { hint: 'pass the token with --token-file or NSINSPECT_TOKEN' });
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
    throw new NsinspectError('INVALID', `refusing to send your token over plain http to ${u.host}`, {
      hint: 'use an https:// URL, or forward the agent to loopback: kubectl port-forward -n nsinspect-system ds/nsinspect-agent 9742, then --agent http://127.0.0.1:9742',
    });
  }
  return u;
}

/** Whether the pod's controller is the DaemonSet `name` (an apps/v1 ownerReference with controller: true). */
export function controlledByDaemonSet(pod: V1Pod, name: string): boolean {
  return (pod.metadata?.ownerReferences ?? []).some((o) => o.controller === true && o.kind === 'DaemonSet' && o.name === name && /^apps\//.test(o.apiVersion ?? ''));
}

/**
 * Of the agent-labelled pods on a node, the one to port-forward to. A label is not proof: anyone
 * who may create pods in the agent's namespace can label one like the agent and collect users'
 * tokens. So only a pod whose controller is the agent's DaemonSet is used; others are refused.
 */
export function pickAgentPod(pods: V1Pod[], node: string, namespace: string, daemonSet: string): V1Pod | undefined {
  const running = pods.filter((p) => p.status?.phase === 'Running' && p.metadata?.deletionTimestamp === undefined && p.metadata?.name);
  const owned = running.find((p) => controlledByDaemonSet(p, daemonSet));
  const [first] = running;
  if (owned || first === undefined) return owned;
  const impostor = first.metadata?.name ?? '';
  throw new NsinspectError('FORBIDDEN', `refusing to send your token to pod ${namespace}/${impostor} on node ${node}: it is labelled like the nsinspect agent but not controlled by DaemonSet ${namespace}/${daemonSet}`, {
    hint: `ask your cluster admin who created it (kubectl get pod -n ${namespace} ${impostor} -o jsonpath='{.metadata.ownerReferences}'); if your agent DaemonSet has another name, pass --agent-daemonset NAME`,
  });
}

/** The one-line notice before a token goes to a URL the user typed rather than one discovery found. */
export function agentNotice(u: URL): string {
  return `nsinspect: sending your bearer token to the agent at ${u.origin} (--agent)\n`;
}
