// Whether a process holds a capability in another process's user namespace, as cap_capable() decides.
import { type ProcCreds, capName, hasCap, isIdentityMap } from '../model/creds.js';

/** One side of an access question: its credentials and the inodes of its user namespace. */
export interface Side {
  creds: ProcCreds;
  /** Inode of the process's user namespace. */
  userNs: number;
}

export interface CapAnswer {
  has: 'yes' | 'no' | 'unknown';
  /** True when the capability is in the caller's effective set, but its user namespace does not count. */
  wrongNs: boolean;
  detail: string;
}

/**
 * cap_capable(cred, ns, cap): walk from the target namespace up to the caller's. The caller has the
 * capability if it is in its effective set and its namespace is the target's or an ancestor, or if
 * it owns (created) a child of its namespace on that path. Without NS_GET_PARENT (an ioctl Node
 * cannot make) ancestry is known only for the initial namespace; two other namespaces are taken as
 * siblings, as two pods' user namespaces are. A child namespace's owner is taken to be root, as
 * container runtimes (running as root) create them.
 */
export function capableIn(caller: Side, target: Side, hostUserNs: number | undefined, bit: number): CapAnswer {
  const name = capName(bit);
  const inEff = hasCap(caller.creds.caps.effective, bit);
  if (caller.userNs === target.userNs) {
    return { has: inEff ? 'yes' : 'no', wrongNs: false, detail: `${name} ${inEff ? 'is' : 'is not'} in the debugger's effective set (same user namespace as the target)` };
  }
  const callerIsInit = hostUserNs !== undefined ? caller.userNs === hostUserNs : isIdentityMap(caller.creds.uidMap);
  const targetIsInit = hostUserNs !== undefined ? target.userNs === hostUserNs : isIdentityMap(target.creds.uidMap);
  if (callerIsInit && !targetIsInit) {
    if (inEff) return { has: 'yes', wrongNs: false, detail: `${name} is effective in the host's user namespace, an ancestor of the target's` };
    if (caller.creds.uid.effective === 0) {
      return { has: 'yes', wrongNs: false, detail: `euid 0 in the host's user namespace owns the target's user namespace (assumed created by root, as runtimes do): every capability in it, ${name} included` };
    }
    return { has: 'no', wrongNs: false, detail: `${name} is not in the debugger's effective set (host user namespace)` };
  }
  return {
    has: 'no',
    wrongNs: inEff,
    detail: inEff
      ? `${name} is effective only in the debugger's own user namespace, which is not the target's nor an ancestor of it${!callerIsInit && !targetIsInit ? ' (two non-initial user namespaces taken as siblings)' : ''}`
      : `${name} is not in the debugger's effective set, and its user namespace is not an ancestor of the target's`,
  };
}
