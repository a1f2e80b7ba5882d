// Pure: what a cgroup path says about its container (ID, runtime) and pod (UID, QoS).
import type { CgroupIdentity, ContainerID, QosClass, Runtime } from '../model/types.js';

const HEX64 = '[0-9a-f]{64}';
/** Container cgroup names, by runtime. Order matters: conmon must be rejected before crio-. */
const CONTAINER_NAMES: Array<[RegExp, Runtime | null]> = [
  [new RegExp(`^crio-conmon-${HEX64}\\.scope$`), null], // CRI-O's monitor, not the container
  [new RegExp(`^cri-containerd-(${HEX64})\\.scope$`), 'containerd'], // containerd, systemd driver
  [new RegExp(`^crio-(${HEX64})(?:\\.scope)?$`), 'cri-o'], // CRI-O, systemd or cgroupfs driver
  [new RegExp(`^docker-(${HEX64})\\.scope$`), 'docker'], // Docker, systemd driver
  [new RegExp(`^(${HEX64})$`), 'containerd'], // containerd cgroupfs, or /docker/<id>
];

/** Pod UIDs: a UUID (dashes, or underscores under systemd), or the 32-hex md5 of a static pod. */
const UID = (sep: string): string => ['8', '4', '4', '4', '12'].map((n) => `[0-9a-f]{${n}}`).join(sep) + '|[0-9a-f]{32}';
/**
 * Pod cgroup names: cgroupfs "pod<uid>", systemd "kubepods[-<qos>]-pod<uid_>.slice". A kubelet
 * with a --cgroup-root and the systemd driver prefixes every slice with the root's name: kind's
 * nodes use /kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-<qos>.slice/kubelet-kubepods-<qos>-pod<uid_>.slice.
 */
const POD_NAME = new RegExp(`^(?:pod(${UID('-')})|(?:.+-)?kubepods(?:-(burstable|besteffort))?-pod(${UID('_')})\\.slice)$`);
const QOS_NAME = /^(?:(burstable|besteffort)|(?:.+-)?kubepods-(burstable|besteffort)\.slice)$/;
const KUBEPODS_NAME = /^(?:kubepods|(?:.+-)?kubepods\.slice)$/;

export interface ParsedCgroupPath extends CgroupIdentity {
  /** The path up to and including the container's own cgroup (children of it excluded). */
  containerPath: string;
  /** The path up to and including the pod's cgroup, when the container is in a pod. */
  podPath?: string;
}

/** Recognises the container ID in one cgroup directory name, or undefined. */
export function containerOfName(name: string): { id: ContainerID; runtime: Runtime } | undefined {
  for (const [re, runtime] of CONTAINER_NAMES) {
    const m = re.exec(name);
    if (m) return runtime === null ? undefined : { id: m[1] as ContainerID, runtime };
  }
  return undefined;
}

/**
 * Parses a cgroup path such as /kubepods/burstable/pod<uid>/<id> or
 * /kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid_>.slice/cri-containerd-<id>.scope.
 * The deepest container name wins (kind nodes nest kubepods inside a container), and the pod is
 * the nearest one above it.
 */
export function parseCgroupPath(path: string): ParsedCgroupPath | undefined {
  const parts = path.split('/');
  let result: ParsedCgroupPath | undefined;
  let pod: { uid: string; qos: QosClass; path: string } | undefined;
  let qos: QosClass = 'guaranteed';
  let sawKubepods = false;
  let sawDocker = false;
  for (const [i, name] of parts.entries()) {
    if (KUBEPODS_NAME.test(name)) {
      sawKubepods = true;
      qos = 'guaranteed';
      pod = undefined;
      continue;
    }
    if (name === 'docker') sawDocker = true;
    const q = QOS_NAME.exec(name);
    if (q && sawKubepods) {
      qos = (q[1] ?? q[2]) as QosClass;
      continue;
    }
    const p = POD_NAME.exec(name);
    if (p && sawKubepods) {
      // One of POD_NAME's two alternatives matched: the cgroupfs UID (group 1), else the systemd one (group 3).
      const uid = p[1] ?? p[3]!.replaceAll('_', '-');
      pod = { uid, qos: (p[2] as QosClass | undefined) ?? qos, path: parts.slice(0, i + 1).join('/') };
      continue;
    }
    const c = containerOfName(name);
    if (c) {
      const runtime: Runtime = c.runtime === 'containerd' && sawDocker && !sawKubepods ? 'docker' : c.runtime;
      result = { containerID: c.id, runtime, containerPath: parts.slice(0, i + 1).join('/') };
      if (pod) Object.assign(result, { podUID: pod.uid, qos: pod.qos, podPath: pod.path });
      // A container inside this one (kind, docker-in-docker) starts a fresh search.
      sawKubepods = false;
      sawDocker = false;
      pod = undefined;
    }
  }
  return result;
}

/** Normalises a pod UID from a path to the API's form. */
export function isPodUID(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^[0-9a-f]{32}$/.test(s);
}
