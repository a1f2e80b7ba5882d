// What of a process a pod view shows, as one comparable string: its identity, namespaces and credentials (a stat read, a status read, eight readlinks).
import { NS_TYPES } from '../model/types.js';
import { readNsInodes, readSmallFile } from './proc.js';
import { parseStat } from './parse.js';
import { procRootFromEnv } from './root.js';

/** The status lines that are its credentials: ids, capability sets, no_new_privs and seccomp (not its memory, state or counters, which move all the time). */
const CRED_LINES = /^(?:Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):.*$/gm;

const inodes: number[] = [];

/**
 * The process's start time and command name (stat), its eight namespace inodes, and its
 * credential lines: equal strings mean the same process, in the same namespaces, with the same
 * privileges. undefined when it is gone or unreadable.
 */
export function processFingerprint(pid: number, root = procRootFromEnv()): string | undefined {
  try {
    const { startTime, comm } = parseStat(readSmallFile(`${root}/${pid}/stat`, 'latin1'));
    if (readNsInodes(pid, NS_TYPES, inodes, root) === 0) return undefined;
    const creds = readSmallFile(`${root}/${pid}/status`, 'latin1').match(CRED_LINES)?.join('\n') ?? '';
    return `${startTime}\0${comm}\0${inodes.join(',')}\0${creds}`;
  } catch {
    return undefined; // gone (ENOENT, ESRCH), hidden (EACCES) or cut short mid-read: matches no fingerprint
  }
}
