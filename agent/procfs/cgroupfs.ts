// Reads /sys/fs/cgroup: which hierarchies are mounted, walking their directories, cgroup.procs.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { errnoOf, wrap } from '../model/errors.js';
import { readSmallFile } from './proc.js';
import { procRootFromEnv } from './root.js';
import { type CgroupMount, parseCgroupMounts } from './parse.js';

/**
 * The hierarchies worth searching for containers, best first: cgroup v2 (pure, or the hybrid
 * "unified" mount that runc and systemd also populate), then name=systemd, then a v1 controller
 * every runtime joins. Read once per procfs root from its self/mountinfo (ours: the mount points
 * are where we see them); works on v1, hybrid and v2 alike.
 */
const cached = new Map<string, CgroupMount[]>();
export function cgroupHierarchies(proc = procRootFromEnv()): CgroupMount[] {
  const known = cached.get(proc);
  if (known) return known;
  const mounts = parseCgroupMounts(readFileSync(`${proc}/self/mountinfo`, 'utf8'));
  const rank = (m: CgroupMount): number => {
    if (m.version === 2) return 0;
    if (m.controllers.includes('name=systemd')) return 1;
    if (m.controllers.includes('pids')) return 2;
    if (m.controllers.includes('memory')) return 3;
    if (m.controllers.includes('cpu')) return 4;
    return 9;
  };
  const seen = new Set<number>();
  const best = mounts
    .filter((m) => rank(m) < 9)
    .sort((a, b) => rank(a) - rank(b))
    .filter((m) => (seen.has(rank(m)) ? false : (seen.add(rank(m)), true)));
  cached.set(proc, best);
  return best;
}

/**
 * PIDs in cgroup.procs of dir and, when recursive, of every cgroup below it (crun puts the
 * process in a child cgroup of crio-<id>.scope). Undefined when the cgroup is gone.
 */
export function readCgroupProcs(dir: string, recursive = true): number[] | undefined {
  let text: string;
  try {
    text = readSmallFile(`${dir}/cgroup.procs`, 'utf8');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw wrap(`reading ${dir}/cgroup.procs`, err);
  }
  const pids: number[] = [];
  for (const line of text.split('\n')) if (line !== '') pids.push(Number(line));
  if (recursive) {
    for (const child of subdirs(dir)) pids.push(...(readCgroupProcs(`${dir}/${child}`, true) ?? []));
  }
  return pids;
}

/** Names of the child cgroups of dir; empty when dir vanished or cannot be read. */
export function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES') return [];
    throw wrap(`listing cgroup ${dir}`, err);
  }
}

/**
 * Depth-first walk below root. visit(relPath, name) returns 'skip' to leave the subtree unwalked
 * (a container's own children need no further search), 'descend' to walk it. Bounded in depth.
 */
export function walkCgroups(
  root: string,
  visit: (rel: string, name: string) => 'descend' | 'skip',
  maxDepth = 12,
): void {
  const go = (rel: string, depth: number): void => {
    if (depth > maxDepth) return;
    for (const name of subdirs(root + rel)) {
      const childRel = `${rel}/${name}`;
      if (visit(childRel, name) === 'descend') go(childRel, depth + 1);
    }
  };
  go('', 0);
}

/** Whether a cgroup directory still exists (a removed container's cgroup is rmdir'ed). */
export function cgroupExists(dir: string): boolean {
  return existsSync(`${dir}/cgroup.procs`);
}
