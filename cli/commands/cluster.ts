// The cluster commands: pod refs resolved through the API, answered by the agent on the pod's node.
import type { V1Pod } from '@kubernetes/client-node';
import type { PodDiffJSON, PodJSON } from '../../agent/protocol/pod.js';
import type { PsJSON } from '../../agent/protocol/answers.js';
import { NsinspectError } from '../../agent/model/errors.js';
import { parsePid } from '../../agent/protocol/refs.js';
import { Cluster, type ClusterOptions } from '../cluster/session.js';
import type { AgentClient } from '../cluster/agent-client.js';
import { checkExpectShared, label, nsTypes, podName } from '../refs.js';
import type { GlobalOptions } from '../options.js';
import { isWide, print, psNames } from '../output/format.js';
import { type EphemeralRow, podContainerNames, renderEphemeral, renderPod, renderPodDiff } from '../render/cluster.js';
import { type NodeWhoisJSON, renderPs, renderWhois } from '../render/local.js';

export type ClusterFlags = GlobalOptions & Omit<ClusterOptions, 'namespace'> & { namespace?: string; allNamespaces?: boolean };

const path = (...parts: string[]): string => '/' + parts.map(encodeURIComponent).join('/');

async function withAgent<T>(cluster: Cluster, pod: V1Pod, f: (a: AgentClient) => Promise<T>): Promise<T> {
  const agent = await cluster.agentForPod(pod);
  try {
    return await f(agent);
  } finally {
    await agent.close();
  }
}

export async function diff(podRef: string, debuggerName: string, opts: ClusterFlags & { target?: string; expectShared?: string }): Promise<void> {
  const name = podName(podRef);
  const dbg = label('container name', debuggerName);
  const target = opts.target === undefined ? undefined : label('container name', opts.target);
  const expected = opts.expectShared === undefined ? undefined : nsTypes(opts.expectShared);
  const cluster = await Cluster.load(opts);
  const pod = await cluster.readPod(name);
  requireContainer(pod, dbg);
  if (target !== undefined) requireContainer(pod, target);
  else checkDefaultTarget(pod, dbg);
  const q = new URLSearchParams({ debugger: dbg, ...(target ? { target } : {}) });
  const d = await withAgent(cluster, pod, (a) => a.get<PodDiffJSON>(`${path('v1', 'pods', cluster.namespace, name, 'diff')}?${q}`));
  await print(d, opts, renderPodDiff);
  checkExpectShared(d.shared, expected);
}

export async function ns(podRef: string, opts: ClusterFlags): Promise<void> {
  const name = podName(podRef);
  const cluster = await Cluster.load(opts);
  const pod = await cluster.readPod(name);
  await print(await withAgent(cluster, pod, (a) => a.get<PodJSON>(path('v1', 'pods', cluster.namespace, name))), opts, renderPod);
}

/**
 * `ns -l SELECTOR [-A]`: every selected pod's namespaces, one agent connection per node. Pods not
 * on a node yet are left out with a line on stderr; none selected is said on stderr, as kubectl does.
 */
export async function nsSelected(selector: string, opts: ClusterFlags): Promise<void> {
  const cluster = await Cluster.load(opts);
  const pods = await cluster.listPods(opts.allNamespaces ? undefined : cluster.namespace, selector);
  if (pods.length === 0) process.stderr.write(`No resources found${opts.allNamespaces ? '' : ` in ${cluster.namespace} namespace`}.\n`);
  const byNode = new Map<string, V1Pod[]>();
  for (const p of pods) {
    const node = p.spec?.nodeName;
    if (node) byNode.set(node, [...(byNode.get(node) ?? []), p]);
    else process.stderr.write(`nsinspect: ${where(p)} is not scheduled on a node yet: left out\n`);
  }
  const items: PodJSON[] = [];
  for (const [node, onNode] of byNode) {
    const agent = await cluster.agentForNode(node);
    try {
      for (const p of onNode) items.push(await agent.get<PodJSON>(path('v1', 'pods', p.metadata?.namespace ?? '', p.metadata?.name ?? '')));
    } finally {
      await agent.close();
    }
  }
  items.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  await print({ items }, opts, (d) => d.items.map(renderPod).join('\n'), { names: (d) => d.items.map((p) => `pod/${p.name}`) });
}

const where = (pod: V1Pod): string => `pod ${pod.metadata?.namespace}/${pod.metadata?.name}`;

/** Every container name of the pod: app, init and ephemeral. */
function containerNames(pod: V1Pod): string[] {
  const s = pod.spec;
  return [...(s?.containers ?? []), ...(s?.initContainers ?? []), ...(s?.ephemeralContainers ?? [])].map((c) => c.name);
}

/** NOT_FOUND with "did you mean" before any agent is asked: the pod spec already knows its containers. */
export function requireContainer(pod: V1Pod, name: string): void {
  const names = containerNames(pod);
  if (names.includes(name)) return;
  throw new NsinspectError('NOT_FOUND', `${where(pod)} has no container ${name}`, { details: { candidates: names, typed: name } });
}

/**
 * Without --target, the agent takes the debugger's own target, else the pod's only other app
 * container. Where that cannot work, say why in the user's terms (flags, kubectl debug), not
 * the API's.
 */
export function checkDefaultTarget(pod: V1Pod, dbg: string): void {
  const ephemeral = pod.spec?.ephemeralContainers ?? [];
  const eph = ephemeral.find((e) => e.name === dbg);
  if (eph?.targetContainerName) return;
  const apps = (pod.spec?.containers ?? []).map((c) => c.name).filter((n) => n !== dbg);
  if (apps.length === 1) return;
  const pick = `name the target with --target (${apps.join(', ')})`;
  if (eph) throw new NsinspectError('INVALID', `debugger ${dbg} was started without --target, and ${where(pod)} has ${apps.length} app containers`, { hint: pick });
  const debuggers = ephemeral.map((e) => e.name);
  const podName = pod.metadata?.name ?? '';
  if (apps.length === 0) {
    throw new NsinspectError('INVALID', `${dbg} is an app container of ${where(pod)}, not a debugger, and the pod has no other app container to compare it with`, {
      hint: debuggers.length > 0
        ? `diff compares a debugger with its target: nsinspect diff ${podName} ${debuggers[debuggers.length - 1]} (the pod's debuggers: ${debuggers.join(', ')})`
        : `start a debugger with kubectl debug -it ${podName} --image=busybox --target=${dbg}, then nsinspect diff ${podName} <debugger>`,
    });
  }
  throw new NsinspectError('INVALID', `${dbg} is an app container of ${where(pod)}, not a debugger, and the pod has ${apps.length} other app containers to compare it with`, {
    hint: `${pick}${debuggers.length > 0 ? `, or diff one of the pod's debuggers: ${debuggers.join(', ')}` : ''}`,
  });
}

/** kubectl's choice: the default-container annotation, else the first container. */
export function defaultContainer(pod: V1Pod): string | undefined {
  return pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'] ?? pod.spec?.containers?.[0]?.name;
}

export async function ps(podRef: string, opts: ClusterFlags & { container?: string }): Promise<void> {
  const name = podName(podRef);
  const cluster = await Cluster.load(opts);
  const pod = await cluster.readPod(name);
  let container = opts.container === undefined ? undefined : label('container name', opts.container);
  if (container !== undefined) requireContainer(pod, container);
  else {
    container = defaultContainer(pod);
    if (!container) throw new NsinspectError('NOT_FOUND', `pod ${cluster.namespace}/${name} has no containers`);
    const all = [...(pod.spec?.containers ?? []).map((c) => c.name), ...(pod.spec?.ephemeralContainers ?? []).map((c) => `${c.name} (ephem)`)];
    if (all.length > 1) process.stderr.write(`Defaulted container "${container}" out of: ${all.join(', ')}\n`);
  }
  const c = container;
  await print(await withAgent(cluster, pod, (a) => a.get<PsJSON>(path('v1', 'pods', cluster.namespace, name, 'containers', c, 'processes'))), opts, (p) => renderPs(p, podContainerNames(pod)), psNames);
}

export async function whois(pidText: string, node: string, opts: ClusterFlags): Promise<void> {
  const pid = parsePid(pidText.replace(/^pid\//, ''));
  if (pid === undefined) throw new NsinspectError('INVALID', `invalid PID ${JSON.stringify(pidText)}: want a positive integer`);
  const cluster = await Cluster.load(opts);
  const agent = await cluster.agentForNode(label('node name', node));
  try {
    await print(await agent.get<NodeWhoisJSON>(path('v1', 'processes', String(pid))), opts, renderWhois);
  } finally {
    await agent.close();
  }
}

/** kubectl's rule: a pod is named or selected, not both. */
function nameOrSelector(podRef: string | undefined, selector: string | undefined): void {
  if (podRef !== undefined && selector !== undefined) throw new NsinspectError('INVALID', 'a pod name cannot be given with -l (--selector)', { hint: `leave out ${podRef}, or -l` });
}

/** What the article does with kubectl get pod -o json | jq, from the API alone. */
export async function ephemeral(podRef: string | undefined, opts: ClusterFlags & { selector?: string }): Promise<void> {
  nameOrSelector(podRef, opts.selector);
  const cluster = await Cluster.load(opts);
  const pods = podRef !== undefined ? [await cluster.readPod(podName(podRef))] : await cluster.listPods(opts.allNamespaces ? undefined : cluster.namespace, opts.selector);
  const rows: EphemeralRow[] = [];
  for (const p of pods) {
    for (const e of p.spec?.ephemeralContainers ?? []) {
      const st = p.status?.ephemeralContainerStatuses?.find((s) => s.name === e.name);
      const state = st?.state?.running ? 'running' : st?.state?.terminated ? 'terminated' : st?.state?.waiting ? `waiting: ${st.state.waiting.reason ?? ''}`.trim() : 'unknown';
      const started = st?.state?.running?.startedAt ?? st?.state?.terminated?.startedAt;
      rows.push({
        namespace: p.metadata?.namespace ?? '', pod: p.metadata?.name ?? '', name: e.name, image: e.image ?? '', target: e.targetContainerName ?? null, state,
        startedAt: started === undefined ? null : new Date(started).toISOString(),
      });
    }
  }
  await print({ items: rows }, opts, (d) => renderEphemeral(d.items, opts.allNamespaces === true, Date.now(), isWide(opts)), {
    // POD DEBUGGER, the two arguments of diff: `nsinspect ephemeral -o name | xargs -n2 nsinspect diff`.
    names: (d) => d.items.map((r) => `${r.pod} ${r.name}`),
  });
}
