// The host's own namespaces, to tell "the host's" from "private" when classifying.
import type { NsSet } from '../model/types.js';
import { NS_TYPES } from '../model/types.js';
import { readNamespaces, readStat } from '../procfs/proc.js';

let cached: NsSet | undefined;

/**
 * Kernel threads live in the initial namespaces, so kthreadd (pid 2) is the most reliable
 * witness: it is readable even where /proc/1/ns/* gives EACCES. Fall back to pid 1, then to our
 * own process (the agent runs with hostPID; the CLI runs on the host), type by type.
 */
export function hostNamespaces(): NsSet {
  if (cached) return cached;
  const witnesses: number[] = [];
  if (readStat(2)?.comm === 'kthreadd') witnesses.push(2);
  witnesses.push(1, process.pid);
  const host: NsSet = {};
  for (const pid of witnesses) {
    const { namespaces } = readNamespaces(pid);
    for (const t of NS_TYPES) if (host[t] === undefined && namespaces[t] !== undefined) host[t] = namespaces[t];
  }
  cached = host;
  return host;
}
