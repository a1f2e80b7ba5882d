// Pure: compares two namespace sets type by type, and says whose each namespace is.
import type { NsSet, NsType } from '../model/types.js';
import { NS_TYPES } from '../model/types.js';
import type { NsDiff, NsRow, Owner } from '../model/diff.js';

export interface OwnerContext {
  host: NsSet;
  sandbox?: NsSet;
  target?: NsSet;
}

/** Host first (hostNetwork beats "the sandbox's"), then sandbox, then target, else private. */
export function ownerOf(type: NsType, inode: number | undefined, ctx: OwnerContext): Owner | null {
  if (inode === undefined) return null;
  if (ctx.host[type] === inode) return 'host';
  if (ctx.sandbox?.[type] === inode) return 'sandbox';
  if (ctx.target?.[type] === inode) return 'target';
  return 'private';
}

/** All eight types, sorted by type, with both inodes and whether they are the same. */
export function diffNamespaces(target: NsSet, debuggerNs: NsSet, ctx: Omit<OwnerContext, 'target'>): NsDiff {
  const rows: NsRow[] = NS_TYPES.map((type) => {
    const a = target[type];
    const b = debuggerNs[type];
    return {
      type,
      target: a ?? null,
      debugger: b ?? null,
      shared: a === undefined || b === undefined ? null : a === b,
      with: ownerOf(type, b, { ...ctx, target }),
    };
  });
  return {
    namespaces: rows,
    shared: rows.filter((r) => r.shared === true).map((r) => r.type),
    notShared: rows.filter((r) => r.shared === false).map((r) => r.type),
  };
}
