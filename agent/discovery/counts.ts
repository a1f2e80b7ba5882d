// Node-wide counts for metrics: processes, and namespaces by type, from one /proc scan.
import type { NsType } from '../model/types.js';
import { NS_TYPES } from '../model/types.js';
import { listPids, readNamespaces } from '../procfs/proc.js';

export interface NodeCounts {
  processes: number;
  namespaces: Partial<Record<NsType, number>>;
}

export function nodeCounts(): NodeCounts {
  const seen = Object.fromEntries(NS_TYPES.map((t) => [t, new Set<number>()])) as Record<NsType, Set<number>>;
  const pids = listPids();
  for (const pid of pids) {
    const { namespaces } = readNamespaces(pid);
    for (const t of NS_TYPES) {
      const ino = namespaces[t];
      if (ino !== undefined) seen[t].add(ino);
    }
  }
  return { processes: pids.length, namespaces: Object.fromEntries(NS_TYPES.map((t) => [t, seen[t].size])) };
}
