// nsinspect access TARGET DEBUGGER: privileges side by side and each op's verdict with its walk (node-local, or a pod through its agent).
import { NsinspectError } from '../../agent/model/errors.js';
import { Engine } from '../../agent/inspect/engine.js';
import { parseLocalRef } from '../../agent/protocol/refs.js';
import { ACCESS_OPS } from '../../agent/model/access.js';
import { type AccessJSON, type PodAccessJSON, accessJSON } from '../../agent/protocol/access.js';
import type { ClusterFlags } from './cluster.js';
import { renderAccess } from '../render/access.js';
import { print } from '../output/format.js';
import { isLocalRef, label, nodePodRef, podName, routesLocal } from '../refs.js';

export type AccessFlags = ClusterFlags & { op?: string; target?: string };

function opsOf(text: string | undefined): string[] | undefined {
  const ops = text?.split(',').map((o) => o.trim());
  for (const o of ops ?? []) {
    if (!(ACCESS_OPS as readonly string[]).includes(o)) throw new NsinspectError('INVALID', `unknown op ${JSON.stringify(o)}`, { hint: `pick from ${ACCESS_OPS.join(', ')}` });
  }
  return ops;
}

const only = <T extends AccessJSON>(a: T, ops: string[] | undefined): T => (ops ? { ...a, verdicts: a.verdicts.filter((v) => ops.includes(v.op)) } : a);

export async function access(target: string, dbg: string, opts: AccessFlags): Promise<void> {
  const ops = opsOf(opts.op);
  if (!isLocalRef(target) && !routesLocal(target, opts)) return podAccess(target, dbg, ops, opts);
  // A pod on this node: DEBUGGER is its container's name, the target as diff picks it (the runtime's records).
  const pod = isLocalRef(target) ? undefined : { ...nodePodRef(target, opts.namespace), dbg: label('container name', dbg), within: opts.target === undefined ? undefined : label('container name', opts.target) };
  const refs = pod ? undefined : ([parseLocalRef(target), parseLocalRef(dbg)] as const);
  if (process.geteuid?.() !== 0) {
    throw new NsinspectError('NOT_ROOT', "nsinspect access needs root to read other processes' credentials", { hint: 'run it with sudo, or name a pod to ask its agent' });
  }
  const engine = new Engine();
  const pair = pod ? engine.podPair(pod.namespace, pod.name, pod.dbg, pod.within) : { target: engine.subject(refs![0]), debugger: engine.subject(refs![1]) };
  await print(only(accessJSON(engine.access(pair.target, pair.debugger)), ops), opts, renderAccess);
}

/** A pod's debugger container and its target, answered by the agent on the pod's node. */
async function podAccess(podRef: string, debuggerName: string, ops: string[] | undefined, opts: AccessFlags): Promise<void> {
  const name = podName(podRef);
  const q = new URLSearchParams({ debugger: label('container name', debuggerName), ...(opts.target ? { target: label('container name', opts.target) } : {}) });
  const { Cluster } = await import('../cluster/session.js');
  const cluster = await Cluster.load(opts);
  const pod = await cluster.readPod(name);
  const agent = await cluster.agentForPod(pod);
  let a: PodAccessJSON;
  try {
    a = await agent.get<PodAccessJSON>(`/v1/pods/${encodeURIComponent(cluster.namespace)}/${encodeURIComponent(name)}/access?${q}`);
  } finally {
    await agent.close();
  }
  await print(only(a, ops), opts, (x) => `pod ${x.pod.namespace}/${x.pod.name}: debugger ${x.debuggerContainer} against target ${x.targetContainer}\n` + renderAccess(x));
}
