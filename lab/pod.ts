// Lays out runc containers the way kubelet + containerd/CRI-O/Docker do: cgroup paths and namespaces.
import type { QosClass } from '../agent/model/types.js';
import { type Lab, type RunningContainer, randomHex, randomUUID } from './runc.js';

export type Layout =
  | 'containerd-cgroupfs'
  | 'containerd-systemd'
  | 'crio-cgroupfs'
  | 'crio-systemd'
  | 'crio-systemd-crun'
  | 'docker-cgroupfs'
  | 'docker-systemd';

export const LAYOUTS: Layout[] = [
  'containerd-cgroupfs', 'containerd-systemd', 'crio-cgroupfs', 'crio-systemd', 'crio-systemd-crun', 'docker-cgroupfs', 'docker-systemd',
];

const systemd = (l: Layout): boolean => l.endsWith('systemd') || l.endsWith('crun');

/** The pod's cgroup, as kubelet names it for the cgroupfs or the systemd driver. */
export function podCgroupPath(layout: Layout, qos: QosClass, uid: string): string {
  if (systemd(layout)) {
    const u = uid.replaceAll('-', '_');
    return qos === 'guaranteed'
      ? `/kubepods.slice/kubepods-pod${u}.slice`
      : `/kubepods.slice/kubepods-${qos}.slice/kubepods-${qos}-pod${u}.slice`;
  }
  return qos === 'guaranteed' ? `/kubepods/pod${uid}` : `/kubepods/${qos}/pod${uid}`;
}

/** The container's cgroup, as the runtime names it. The crun layout adds a child cgroup. */
export function containerCgroupPath(layout: Layout, podPath: string, id: string): string {
  switch (layout) {
    case 'containerd-cgroupfs': return `${podPath}/${id}`;
    case 'containerd-systemd': return `${podPath}/cri-containerd-${id}.scope`;
    case 'crio-cgroupfs': return `${podPath}/crio-${id}`;
    case 'crio-systemd': return `${podPath}/crio-${id}.scope`;
    case 'crio-systemd-crun': return `${podPath}/crio-${id}.scope/container`;
    case 'docker-cgroupfs': return `/docker/${id}`;
    case 'docker-systemd': return `/system.slice/docker-${id}.scope`;
  }
}

export interface DemoPod {
  uid: string;
  qos: QosClass;
  layout: Layout;
  podPath: string;
  /** Owns net, ipc and uts; its own pid, mnt and cgroup. */
  sandbox: RunningContainer;
  /** Joins the sandbox's net, ipc and uts; its own pid, mnt and cgroup. */
  app: RunningContainer;
  /** `kubectl debug --target=app`: the sandbox's net, ipc, uts plus the app's pid. */
  debugger: RunningContainer;
  /** `kubectl debug` without --target: the sandbox's net, ipc, uts, its own pid. */
  debuggerNoTarget: RunningContainer;
}

const SLEEP = ['sleep', '2147483647'];

/** Starts one container of a pod with the layout's literal cgroup path. */
export async function startPodContainer(
  lab: Lab, layout: Layout, podPath: string, args: string[], join?: Partial<Record<'net' | 'ipc' | 'uts' | 'pid', number>>, hostname?: string,
): Promise<RunningContainer> {
  const id = randomHex(64);
  return lab.run({ id, args, cgroupsPath: containerCgroupPath(layout, podPath, id), ...(join ? { join } : {}), ...(hostname ? { hostname } : {}) });
}

/** The article's experiment: a sandbox, an app, a debugger with --target and one without. */
export async function startDemoPod(lab: Lab, layout: Layout = 'containerd-cgroupfs', qos: QosClass = 'burstable'): Promise<DemoPod> {
  const uid = randomUUID();
  const podPath = podCgroupPath(layout, qos, uid);
  const sandbox = await startPodContainer(lab, layout, podPath, SLEEP, undefined, 'web');
  const pod = { net: sandbox.pid, ipc: sandbox.pid, uts: sandbox.pid };
  // The app runs a small process tree, so ps has something to show.
  const app = await startPodContainer(lab, layout, podPath, ['sh', '-c', 'sleep 2147483647 & sleep 2147483647 & exec sleep 2147483647'], pod);
  const debuggerC = await startPodContainer(lab, layout, podPath, ['sh', '-c', 'exec sleep 2147483647'], { ...pod, pid: app.pid });
  const debuggerNoTarget = await startPodContainer(lab, layout, podPath, SLEEP, pod);
  return { uid, qos, layout, podPath, sandbox, app, debugger: debuggerC, debuggerNoTarget };
}
