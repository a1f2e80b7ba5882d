// The namespace a bind-mounted nsfs file names (CRI's /var/run/netns/cni-…): its inode, by stat(2).
import { statSync } from 'node:fs';

/** The inode of the namespace file at path; undefined when it is gone or not visible from here (the agent's own mount namespace). */
export function nsFileInode(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}
