// Node-wide counts for metrics: processes, and namespaces by type, from one /proc scan in slices.
import type { NsType } from '../model/types.js';
import { NS_TYPES } from '../model/types.js';
import { listPids, readNamespaces } from '../procfs/proc.js';

export interface NodeCounts {
  processes: number;
  namespaces: Partial<Record<NsType, number>>;
}

/** Pids read between two yields to the event loop, so health probes stay fast on 10,000-process nodes. */
const SLICE = 500;

export async function nodeCounts(): Promise<NodeCounts> {
  const seen = Object.fromEntries(NS_TYPES.map((t) => [t, new Set<number>()])) as Record<NsType, Set<number>>;
  const pids = listPids();
  for (let i = 0; i < pids.length; i++) {
    if (i > 0 && i % SLICE === 0) await new Promise((r) => setImmediate(r));
    const { namespaces } = readNamespaces(pids[i]);
    for (const t of NS_TYPES) {
      const ino = namespaces[t];
      if (ino !== undefined) seen[t].add(ino);
    }
  }
  return { processes: pids.length, namespaces: Object.fromEntries(NS_TYPES.map((t) => [t, seen[t].size])) };
}
