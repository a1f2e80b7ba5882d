// Host-side ps of a subject's pid namespace: its members as rows, each with its owner and its container's names.
import type { ContainerID } from '../model/types.js';
import type { PsRow, Subject } from '../model/answers.js';
import type { RuntimeRecord } from '../model/records.js';
import { NsinspectError } from '../model/errors.js';
import { CLOCK_TICKS, readBootTime, readProcess } from '../procfs/proc.js';
import type { ContainerIndex } from '../discovery/containers.js';
import { hostNamespaces } from '../discovery/host.js';
import { memberOwners, pidNsMembers } from '../discovery/pidns-members.js';
import { recordNames } from '../discovery/pod-records.js';

/**
 * The exact members of the subject's pid namespace (one readlink per pid over /proc), whatever
 * cgroup they sit in, each attributed to its container, to the node, or to the host that entered
 * it (nsenter, nsinspect exec). recordOf: a container's runtime record (the engine's cached path).
 */
export function psRows(s: Subject, index: ContainerIndex, recordOf: (id: ContainerID) => RuntimeRecord | undefined, proc: string): PsRow[] {
  const pidns = s.namespaces.pid;
  if (pidns === undefined) throw new NsinspectError('UNAVAILABLE', `cannot read the pid namespace of ${s.ref} (${s.unreadable ?? 'unknown'})`, { hint: 'run as root with CAP_SYS_PTRACE' });
  const inHost = hostNamespaces(proc).pid === pidns;
  const boot = readBootTime(proc);
  const rows: PsRow[] = [];
  const members = pidNsMembers(pidns, proc);
  const ownerOf = memberOwners(cgroupOf(s, index), inHost, proc);
  // A ps asks for the same few containers' names many times.
  const names = new Map<string, ReturnType<typeof recordNames>>();
  const namesOf = (id: ContainerID): ReturnType<typeof recordNames> => {
    const known = names.get(id) ?? recordNames(recordOf(id));
    names.set(id, known);
    return known;
  };
  for (const pid of members) {
    const p = readProcess(pid, proc);
    if (!p) continue;
    const owner = ownerOf(pid);
    const row: PsRow = {
      pid: p.pid,
      nspid: p.nspid.at(-1) ?? p.pid,
      ppid: p.ppid,
      uid: p.uid,
      startTime: new Date((boot + p.startTime / CLOCK_TICKS) * 1000),
      command: p.cmdline.length > 0 ? p.cmdline.join(' ') : `[${p.comm}]`,
      owner,
    };
    if (owner.kind === 'container') row.names = namesOf(owner.containerID);
    rows.push(row);
  }
  return rows;
}

/** The subject's container and its cgroup directory, when it is a container's. */
function cgroupOf(s: Subject, index: ContainerIndex): { containerID: ContainerID; dir: string } | undefined {
  if (s.container) return { containerID: s.container.containerID, dir: s.container.cgroupDir };
  if (!s.containerID) return undefined;
  try {
    return { containerID: s.containerID, dir: index.resolve(s.containerID).dir };
  } catch {
    return undefined;
  }
}
