// Node-wide views that need a full /proc scan: the namespace inventory (lsns) and pidns listings.
import type { NsType } from '../model/types.js';
import { NS_TYPES } from '../model/types.js';
import { listPids, readCmdline, readOwnerUid, readStat } from '../procfs/proc.js';
import { scanNsInodes } from '../procfs/ns-scan.js';
import { userName } from '../procfs/users.js';
import { type ContainerIndex, type IndexEntry, initPidOf } from './containers.js';
import type { LsnsRow } from '../model/answers.js';

/** Every namespace on the node with its process count, lowest PID, user, command and container. */
export function inventory(index: ContainerIndex, types: readonly NsType[] = NS_TYPES): LsnsRow[] {
  return inventoryWithOwners(index, types).rows;
}

/**
 * inventory, and the init PID of each container that owns a row (the container's processes were
 * read once, for the rows): what the runtime records that name those containers are found by.
 */
export function inventoryWithOwners(index: ContainerIndex, types: readonly NsType[] = NS_TYPES): { rows: LsnsRow[]; inits: number[] } {
  const proc = index.proc;
  const pids = listPids(proc);
  let owners = new Map<number, IndexEntry>();
  // The containers' processes (cgroup.procs) are read while a worker thread starts.
  const { inodes } = scanNsInodes(pids, types, proc, { meanwhile: () => (owners = index.pidOwners()) });
  const k = types.length;
  type Row = { type: NsType; nprocs: number; pid: number };
  const rows = new Map<number, Row>();
  // Neighbouring PIDs mostly share a namespace: the last row of each type saves most map lookups.
  const lastInode = new Float64Array(k);
  const lastRow: Array<Row | undefined> = [];
  for (let i = 0; i < pids.length; i++) {
    for (let j = 0; j < k; j++) {
      const inode = inodes[i * k + j]!;
      if (inode === 0) continue; // gone, denied or absent
      let row = inode === lastInode[j] ? lastRow[j] : rows.get(inode);
      // listPids is ascending, so the first PID seen is the lowest.
      if (row) row.nprocs++;
      else rows.set(inode, (row = { type: types[j]!, nprocs: 1, pid: pids[i]! }));
      lastInode[j] = inode;
      lastRow[j] = row;
    }
  }
  // Many namespaces share their lowest PID (a container's init owns most of its namespaces).
  const described = new Map<number, { user: string; command: string }>();
  const describe = (pid: number): { user: string; command: string } => {
    let d = described.get(pid);
    if (!d) {
      const uid = readOwnerUid(pid, proc);
      const args = readCmdline(pid, proc);
      d = { user: uid === undefined ? '?' : userName(uid), command: args && args.length > 0 ? args.join(' ') : `[${readStat(pid, proc)?.comm ?? '?'}]` };
      described.set(pid, d);
    }
    return d;
  };
  const out: LsnsRow[] = [];
  const owning = new Set<IndexEntry>();
  for (const [inode, r] of rows) {
    const row: LsnsRow = { inode, type: r.type, nprocs: r.nprocs, pid: r.pid, ...describe(r.pid) };
    const owner = owners.get(r.pid);
    if (owner) {
      row.containerID = owner.containerID;
      owning.add(owner);
    }
    out.push(row);
  }
  return { rows: out.sort((a, b) => a.inode - b.inode), inits: initsOf(owning, owners, proc) };
}

/** The init PID of each of containers, from the pid -> container map already read (no cgroup.procs re-read). */
function initsOf(containers: Set<IndexEntry>, owners: Map<number, IndexEntry>, proc: string): number[] {
  if (containers.size === 0) return [];
  const pidsOf = new Map<IndexEntry, number[]>();
  for (const [pid, e] of owners) {
    if (!containers.has(e)) continue;
    const pids = pidsOf.get(e);
    if (pids) pids.push(pid);
    else pidsOf.set(e, [pid]);
  }
  return [...pidsOf.values()].map((pids) => initPidOf(pids, proc)).filter((p): p is number => p !== undefined);
}
