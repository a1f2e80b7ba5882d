// Finds a pod's sandbox (pause) container among the containers in its pod cgroup.
import type { Container, NsSet } from '../model/types.js';
import { NS_TYPES } from '../model/types.js';
import { readNamespaces, readStat } from '../procfs/proc.js';
import { procRootFromEnv } from '../procfs/root.js';

export interface PodMember {
  container: Container;
  namespaces: NsSet;
  comm: string;
  startTime: number;
}

/** Reads what sandbox detection needs about each running container of a pod. */
export function podMembers(containers: Container[], proc = procRootFromEnv()): PodMember[] {
  const out: PodMember[] = [];
  for (const c of containers) {
    if (c.initPid === undefined) continue;
    const st = readStat(c.initPid, proc);
    if (!st) continue;
    out.push({ container: c, namespaces: readNamespaces(c.initPid, NS_TYPES, proc).namespaces, comm: st.comm, startTime: st.startTime });
  }
  return out;
}

/**
 * The sandbox owns the net namespace the pod's other containers join, and was started first.
 * A container running `pause` is taken at its word. Otherwise: the largest group sharing one net
 * namespace, and in it the earliest started container. `exclude` lists IDs known to be app
 * containers (the agent knows them from the pod's status); it guards CRI-O's drop_infra_ctr,
 * where no sandbox process exists at all.
 */
export function findSandbox(members: PodMember[], exclude: ReadonlySet<string> = new Set()): PodMember | undefined {
  const candidates = members.filter((m) => !exclude.has(m.container.containerID));
  const pause = candidates.filter((m) => m.comm === 'pause');
  if (pause.length === 1) return pause[0];
  if (candidates.length === 0) return undefined;
  const byNet = new Map<number | undefined, PodMember[]>();
  for (const m of members) {
    const group = byNet.get(m.namespaces.net) ?? [];
    group.push(m);
    byNet.set(m.namespaces.net, group);
  }
  const largest = (m: PodMember): number => byNet.get(m.namespaces.net)?.length ?? 0;
  return [...candidates].sort((a, b) => largest(b) - largest(a) || a.startTime - b.startTime || (a.container.initPid ?? 0) - (b.container.initPid ?? 0))[0];
}
