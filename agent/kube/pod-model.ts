// Converts a v1 Pod from the API into the plain PodInfo model: container IDs, kinds, states, targets.
import type { V1Pod, V1ContainerStatus, V1SecurityContext } from '@kubernetes/client-node';
import type { ContainerID, Runtime } from '../model/types.js';
import type { ContainerKind, ContainerState, PodContainer, PodInfo } from '../model/pod.js';

// A Map, not an object: a lookup must not find inherited names (constructor://<64 hex>).
const RUNTIME_PREFIX = new Map<string, Runtime>([
  ['containerd', 'containerd'],
  ['cri-o', 'cri-o'],
  ['docker', 'docker'],
]);

/** "containerd://<64 hex>" -> the ID and runtime; undefined for anything else. */
export function parseStatusContainerID(s: string | undefined): { id: ContainerID; runtime: Runtime } | undefined {
  const m = /^([a-z-]+):\/\/([0-9a-f]{64})$/.exec(s ?? '');
  if (!m) return undefined;
  // Both groups are mandatory: a match has them.
  const runtime = RUNTIME_PREFIX.get(m[1]!);
  return runtime ? { id: m[2]! as ContainerID, runtime } : undefined;
}

function stateOf(st: V1ContainerStatus | undefined): ContainerState {
  if (!st?.state) return 'unknown';
  if (st.state.running) return 'running';
  if (st.state.terminated) return 'terminated';
  if (st.state.waiting) return 'waiting';
  return 'unknown';
}

function toDate(d: Date | string | undefined): string | undefined {
  if (d === undefined) return undefined;
  return d instanceof Date ? d.toISOString() : String(d);
}

type SpecLike = { name: string; image?: string; securityContext?: V1SecurityContext; targetContainerName?: string };

export function podInfo(pod: V1Pod): PodInfo {
  const spec = pod.spec;
  const status = pod.status;
  const out: PodContainer[] = [];
  const add = (kind: ContainerKind, specs: SpecLike[] | undefined, statuses: V1ContainerStatus[] | undefined): void => {
    for (const c of specs ?? []) {
      const st = statuses?.find((s) => s.name === c.name);
      const id = parseStatusContainerID(st?.containerID);
      const pc: PodContainer = { name: c.name, kind, privileged: c.securityContext?.privileged === true, state: stateOf(st) };
      if (c.image) pc.image = c.image;
      if (c.targetContainerName) pc.target = c.targetContainerName;
      if (id) Object.assign(pc, { containerID: id.id, runtime: id.runtime });
      const started = toDate(st?.state?.running?.startedAt);
      if (started) pc.startedAt = started;
      out.push(pc);
    }
  };
  add('init', spec?.initContainers, status?.initContainerStatuses);
  add('app', spec?.containers, status?.containerStatuses);
  add('ephemeral', spec?.ephemeralContainers, status?.ephemeralContainerStatuses);
  return {
    namespace: pod.metadata?.namespace ?? 'default',
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    ...(spec?.nodeName ? { nodeName: spec.nodeName } : {}),
    hostNetwork: spec?.hostNetwork === true,
    hostPID: spec?.hostPID === true,
    hostIPC: spec?.hostIPC === true,
    shareProcessNamespace: spec?.shareProcessNamespace === true,
    hostUsers: spec?.hostUsers !== false,
    containers: out,
  };
}
