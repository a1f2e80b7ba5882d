// A kubelet node in a fixture /proc tree: the host's processes and one pod (sandbox, app, debugger), plus a host process nsenter'ed into the app.
import { type CgroupLayout, ProcFixture, containerCgroup } from './proc-fixture.js';
import type { PodInfo } from '../../agent/model/pod.js';
import type { ContainerID, Runtime } from '../../agent/model/types.js';

export const POD_UID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
export const SB = ('a'.repeat(60) + '0001') as ContainerID;
export const APP = ('b'.repeat(60) + '0002') as ContainerID;
export const DBG = ('c'.repeat(60) + '0003') as ContainerID;
/** An exited container: its cgroup is still there, empty. */
export const GONE = ('d'.repeat(60) + '0004') as ContainerID;

/** The pod's namespaces: the sandbox owns net, ipc and uts; the app has its own pid namespace, which the debugger joins; mnt and cgroup are each one's own. */
export const NS = { net: 4026532300, ipc: 4026532301, uts: 4026532302, sbPid: 4026532303, sbMnt: 4026532304, sbCgroup: 4026532305, appPid: 4026532310, appMnt: 4026532311, appCgroup: 4026532312, dbgMnt: 4026532320, dbgCgroup: 4026532321 };

export interface FixtureNode {
  fx: ProcFixture;
  runtime: Runtime;
  /** The cgroup path of each container, by ID. */
  cgroups: Record<string, string>;
}

/**
 * pid 1 systemd, 2 kthreadd, 150 the shim; the pod: 100 pause (sandbox), 200 and 201 the app,
 * 300 the debugger (in the app's pid namespace); 400 an nsenter from the host into the app's pid
 * namespace (host cgroup). CRI-O's layout adds its conmon scope beside each container, and runs
 * the app's init in a child cgroup of its scope as crun does.
 */
export function fixtureNode(layout: CgroupLayout, runtime: 'containerd' | 'cri-o', driver: 'systemd' | 'cgroupfs', fx = new ProcFixture(layout)): FixtureNode {
  const cg = (id: string): string => containerCgroup({ runtime, driver, podUID: POD_UID, qos: 'burstable', id });
  const cgroups = { [SB]: cg(SB), [APP]: cg(APP), [DBG]: cg(DBG), [GONE]: cg(GONE) };
  const podNs = { net: NS.net, ipc: NS.ipc, uts: NS.uts };
  fx.process({ pid: 1, ppid: 0, comm: 'systemd', cmdline: ['/sbin/init', 'splash'], cgroup: '/init.scope' })
    .process({ pid: 2, ppid: 0, comm: 'kthreadd', cmdline: [] })
    .process({ pid: 150, comm: runtime === 'cri-o' ? 'conmon' : 'containerd-shim', cgroup: '/system.slice/containerd.service' })
    .process({ pid: 100, ppid: 150, comm: 'pause', cmdline: ['/pause'], nspid: [100, 1], cgroup: cgroups[SB], ns: { ...podNs, pid: NS.sbPid, mnt: NS.sbMnt, cgroup: NS.sbCgroup } })
    .process({ pid: 200, ppid: 150, comm: 'nginx', cmdline: ['nginx', '-g', 'daemon off;'], nspid: [200, 1], cgroup: runtime === 'cri-o' ? `${cgroups[APP]}/container` : cgroups[APP], ns: { ...podNs, pid: NS.appPid, mnt: NS.appMnt, cgroup: NS.appCgroup } })
    .process({ pid: 201, ppid: 200, comm: 'nginx', cmdline: ['nginx: worker process'], uid: 101, nspid: [201, 2], cgroup: runtime === 'cri-o' ? `${cgroups[APP]}/container` : cgroups[APP], ns: { ...podNs, pid: NS.appPid, mnt: NS.appMnt, cgroup: NS.appCgroup } })
    .process({ pid: 300, ppid: 150, comm: 'sh', cmdline: ['sh'], nspid: [300, 3], cgroup: cgroups[DBG], ns: { ...podNs, pid: NS.appPid, mnt: NS.dbgMnt, cgroup: NS.dbgCgroup } })
    .process({ pid: 400, ppid: 1, comm: 'sh', cmdline: ['nsenter', '-t', '200', '-p', 'sh'], nspid: [400, 4], cgroup: '/user.slice/user-0.slice/session-1.scope', ns: { pid: NS.appPid } })
    .cgroup(cg(GONE));
  if (runtime === 'cri-o') for (const id of [SB, APP, DBG]) fx.cgroup((cgroups[id] as string).replace(/crio-([0-9a-f]{64})/, 'crio-conmon-$1'));
  return { fx, runtime, cgroups };
}

/** The pod as the API server shows it, for a fake pod directory. */
export function fixturePod(runtime: Runtime): PodInfo {
  return {
    namespace: 'shop',
    name: 'web',
    uid: POD_UID,
    nodeName: 'node-1',
    hostNetwork: false,
    hostPID: false,
    hostIPC: false,
    shareProcessNamespace: false,
    hostUsers: true,
    containers: [
      { name: 'app', kind: 'app', privileged: false, containerID: APP, runtime, state: 'running', image: 'nginx:1.27' },
      { name: 'dbg', kind: 'ephemeral', target: 'app', privileged: false, containerID: DBG, runtime, state: 'running', image: 'busybox:1.36' },
    ],
  };
}
