// Membership of one pid namespace: every process whose /proc/<pid>/ns/pid is the target, and who owns it.
import type { ContainerID } from '../model/types.js';
import { listPids, scanNamespaceLinks } from '../procfs/proc.js';
import { readCgroupProcs } from '../procfs/cgroupfs.js';
import { containerOfPid } from './containers.js';

/**
 * Who a process in the namespace belongs to: a container (by its cgroup), a process entered
 * from the host into a container's namespace (nsenter, nsinspect exec), or the node itself
 * (a process of the host pid namespace outside any container).
 */
export type PsOwner = { kind: 'container'; containerID: ContainerID } | { kind: 'host-entered' } | { kind: 'node' };

/**
 * The exact member set: one readlink per pid over all of /proc. The cgroup is not used to pick
 * candidates, because `--pid container:X` debuggers, hostPID pods and `nsenter -p` sessions put
 * processes in the namespace from other cgroups.
 */
export function pidNsMembers(pidns: number): number[] {
  const out: number[] = [];
  scanNamespaceLinks(listPids(), ['pid'], (pid, _t, inode) => {
    if (inode === pidns) out.push(pid);
  });
  return out;
}

/** Pure rule: a container's cgroup wins; otherwise "node" in the host pid namespace, else "host-entered". */
export function ownerOf(containerID: ContainerID | undefined, inHostPidNs: boolean): PsOwner {
  if (containerID) return { kind: 'container', containerID };
  return inHostPidNs ? { kind: 'node' } : { kind: 'host-entered' };
}

/** The owner of one member, reading its cgroup. */
export function ownerOfPid(pid: number, inHostPidNs: boolean): PsOwner {
  return ownerOf(containerOfPid(pid)?.containerID, inHostPidNs);
}

/**
 * The owner of each member, reading as few cgroup files as exactness allows: the members in the
 * subject's container cgroup (one cgroup.procs read, sub-cgroups included, as the index counts
 * them) are that container's; any other member (a debugger, an nsenter session) is looked up from
 * its own /proc/<pid>/cgroup. A 1,000-process container costs one read instead of 1,000.
 */
export function memberOwners(container: { containerID: ContainerID; dir: string } | undefined, inHostPidNs: boolean): (pid: number) => PsOwner {
  let inContainer: Set<number> | undefined;
  if (container) {
    try {
      const pids = readCgroupProcs(container.dir);
      if (pids) inContainer = new Set(pids);
    } catch {
      // Unreadable cgroup.procs (no CAP_DAC_READ_SEARCH): each member's own cgroup says.
    }
  }
  const own: PsOwner | undefined = container && { kind: 'container', containerID: container.containerID };
  return (pid) => (own && inContainer?.has(pid) ? own : ownerOfPid(pid, inHostPidNs));
}
