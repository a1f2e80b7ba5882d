// Membership of one pid namespace: every process whose /proc/<pid>/ns/pid is the target, and who owns it.
import type { ContainerID } from '../model/types.js';
import { listPids, readPidCounters } from '../procfs/proc.js';
import { scanNsInodes } from '../procfs/ns-scan.js';
import { procRootFromEnv } from '../procfs/root.js';
import { reusedSince } from './counts.js';
import { readCgroupProcs } from '../procfs/cgroupfs.js';
import { containerOfPid } from './containers.js';

/**
 * Who a process in the namespace belongs to: a container (by its cgroup), a process entered
 * from the host into a container's namespace (nsenter, nsinspect exec), or the node itself
 * (a process of the host pid namespace outside any container).
 */
export type PsOwner = { kind: 'container'; containerID: ContainerID } | { kind: 'host-entered' } | { kind: 'node' };

/**
 * Each listed pid's pid namespace, kept between calls (per procfs root). Exact for a process's
 * whole life: its own pid namespace never changes (setns and unshare of CLONE_NEWPID change only
 * its children's), so a pid needs reading again only when it may belong to a new process, which
 * the pid allocator's counters say (see reusedSince). Pids not listed any more are dropped at each call.
 */
const states = new Map<string, { known: Map<number, number>; counters: ReturnType<typeof readPidCounters> }>();

/**
 * The exact member set: one readlink of ns/pid per pid over all of /proc on the first call (two
 * threads on a large node, as for lsns), then only for pids that are new or may have been reused
 * since the last call. The cgroup is not used to pick candidates, because `--pid container:X`
 * debuggers, hostPID pods and `nsenter -p` sessions put processes in the namespace from other cgroups.
 */
export function pidNsMembers(pidns: number, proc = procRootFromEnv()): number[] {
  const pids = listPids(proc);
  const state = states.get(proc) ?? { known: new Map<number, number>(), counters: undefined };
  states.set(proc, state);
  // Read after the listing: every pid listed was handed out before these counters.
  const prev = state.counters;
  state.counters = readPidCounters(proc);
  const reusable = reusedSince(prev, state.counters);
  const next = new Map<number, number>();
  const stale: number[] = [];
  for (const pid of pids) {
    const ino = state.known.get(pid);
    if (ino !== undefined && reusable !== 'any' && !reusable(pid)) next.set(pid, ino);
    else stale.push(pid);
  }
  // Two threads only for a large first scan (ns-scan's threshold); later calls read a few pids.
  const { inodes } = scanNsInodes(stale, ['pid'], proc);
  for (let i = 0; i < stale.length; i++) {
    // 0: gone or denied; left out, so read again at the next call.
    if (inodes[i] !== 0) next.set(stale[i]!, inodes[i]!);
  }
  state.known = next;
  const out: number[] = [];
  for (const pid of pids) if (next.get(pid) === pidns) out.push(pid);
  return out;
}

/** Pure rule: a container's cgroup wins; otherwise "node" in the host pid namespace, else "host-entered". */
export function ownerOf(containerID: ContainerID | undefined, inHostPidNs: boolean): PsOwner {
  if (containerID) return { kind: 'container', containerID };
  return inHostPidNs ? { kind: 'node' } : { kind: 'host-entered' };
}

/** The owner of one member, reading its cgroup. */
export function ownerOfPid(pid: number, inHostPidNs: boolean, proc = procRootFromEnv()): PsOwner {
  return ownerOf(containerOfPid(pid, proc)?.containerID, inHostPidNs);
}

/**
 * The owner of each member, reading as few cgroup files as exactness allows: the members in the
 * subject's container cgroup (one cgroup.procs read, sub-cgroups included, as the index counts
 * them) are that container's; any other member (a debugger, an nsenter session) is looked up from
 * its own /proc/<pid>/cgroup. A 1,000-process container costs one read instead of 1,000.
 */
export function memberOwners(container: { containerID: ContainerID; dir: string } | undefined, inHostPidNs: boolean, proc = procRootFromEnv()): (pid: number) => PsOwner {
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
  return (pid) => (own && inContainer?.has(pid) ? own : ownerOfPid(pid, inHostPidNs, proc));
}
