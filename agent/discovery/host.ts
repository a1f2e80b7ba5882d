// The host's own namespaces, to tell "the host's" from "private" when classifying.
import type { NsSet } from '../model/types.js';
import { NS_TYPES } from '../model/types.js';
import { readNamespaces, readStat } from '../procfs/proc.js';
import { procRootFromEnv } from '../procfs/root.js';

/** By procfs root: the host's namespaces do not change while it runs. */
const cached = new Map<string, NsSet>();

/**
 * Kernel threads live in the initial namespaces, so kthreadd (pid 2) is the most reliable
 * witness: it is readable even where /proc/1/ns/* gives EACCES. Fall back to pid 1, then to our
 * own process (the agent runs with hostPID; the CLI runs on the host), type by type.
 */
export function hostNamespaces(proc = procRootFromEnv()): NsSet {
  const known = cached.get(proc);
  if (known) return known;
  const witnesses: number[] = [];
  if (readStat(2, proc)?.comm === 'kthreadd') witnesses.push(2);
  witnesses.push(1, process.pid);
  const host: NsSet = {};
  for (const pid of witnesses) {
    const { namespaces } = readNamespaces(pid, NS_TYPES, proc);
    for (const t of NS_TYPES) if (host[t] === undefined && namespaces[t] !== undefined) host[t] = namespaces[t];
  }
  cached.set(proc, host);
  return host;
}
