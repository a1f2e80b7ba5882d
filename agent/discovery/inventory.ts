// Node-wide views that need a full /proc scan: the namespace inventory (lsns) and pidns listings.
import type { NsType } from '../model/types.js';
import { NS_TYPES } from '../model/types.js';
import { listPids, readCmdline, readOwnerUid, readStat, scanNamespaceLinks } from '../procfs/proc.js';
import { userName } from '../procfs/users.js';
import type { ContainerIndex } from './containers.js';
import type { LsnsRow } from '../model/answers.js';

/** Every namespace on the node with its process count, lowest PID, user, command and container. */
export function inventory(index: ContainerIndex, types: readonly NsType[] = NS_TYPES): LsnsRow[] {
  const proc = index.proc;
  const rows = new Map<number, { type: NsType; nprocs: number; pid: number }>();
  scanNamespaceLinks(listPids(proc), types, (pid, type, inode) => {
    const row = rows.get(inode);
    // listPids is ascending, so the first PID seen is the lowest.
    if (row) row.nprocs++;
    else rows.set(inode, { type, nprocs: 1, pid });
  }, proc);
  const owners = index.pidOwners();
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
  for (const [inode, r] of rows) {
    const row: LsnsRow = { inode, type: r.type, nprocs: r.nprocs, pid: r.pid, ...describe(r.pid) };
    const owner = owners.get(r.pid);
    if (owner) row.containerID = owner.containerID;
    out.push(row);
  }
  return out.sort((a, b) => a.inode - b.inode);
}

