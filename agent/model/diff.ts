// A namespace diff of two processes as plain values: per type, both inodes, whether shared, and whose.
import type { NsType } from './types.js';
import type { Owner } from './layers.js';

export type { Owner };

export interface NsRow {
  type: NsType;
  target: number | null;
  debugger: number | null;
  /** null when either side could not be read. */
  shared: boolean | null;
  /** Whose namespace the debugger is in; null when unreadable. */
  with: Owner | null;
}

export interface NsDiff {
  namespaces: NsRow[];
  shared: NsType[];
  notShared: NsType[];
}
