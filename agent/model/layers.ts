// Three layers of one namespace: what the pod spec asks, what the runtime was told, what the kernel shows.
import type { NsType } from './types.js';

/** Whose a namespace is, seen from a pod (the same values as analysis/diff.ts's Owner). */
export type Owner = 'sandbox' | 'target' | 'host' | 'private';

/**
 * What the runtime was told for one namespace type, from its record (the OCI spec):
 * inherit (no entry: the runtime's own, the host's), new (an entry with no path), or join a path.
 */
export interface Told {
  join: 'inherit' | 'new' | 'path';
  path?: string;
  /** Whose namespace the path is (sandbox, target, host, private); null when it could not be said. */
  owner: Owner | null;
  /** The inode the path names now, when it could be read. */
  inode?: number;
}

/** Which layer broke, in the order the request travels: kubelet → runtime → the process. */
export type LayerBreak = 'KUBELET_DID_NOT_REQUEST' | 'RUNTIME_IGNORED' | 'MOVED_AFTER_START';

export interface LayerRow {
  side: 'target' | 'debugger';
  /** The container's name, in the pod view (where every container is a row). */
  container?: string;
  type: NsType;
  /** From the pod spec (API); null node-local or when the spec does not decide it (cgroup on v1). */
  spec: Owner | null;
  /** From the runtime's record; null without one. */
  told: Told | null;
  /** Whose namespace the process is in, from its inode; null when unreadable. */
  kernel: Owner | null;
  kernelInode: number | null;
  /** True when every known layer agrees. */
  agree: boolean;
  /** The layers that broke, in order; empty when they agree or when it cannot be said which. */
  broke: LayerBreak[];
  message?: string;
}
