// Exec session cgroups under /sys/fs/cgroup: find the hierarchies, create a session's with limits, sweep stale ones (session-kill.ts kills and removes).
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { errnoOf } from '../model/errors.js';
import { subdirs } from './cgroupfs.js';
import { type CgroupMount, parseCgroupFile, parseCgroupMounts } from './parse.js';
import { procRootFromEnv } from './root.js';
import { type HierarchyKind, type SessionCgroup, type SessionHierarchy, openSession, readText, write } from './session-kill.js';

export type { HierarchyKind, SessionCgroup };

/**
 * Layout, per hierarchy: <parent>/nsinspect-sessions/<session>. <parent> is the parent of the
 * agent's own cgroup (so the sessions sit beside the agent, inside whatever bounds its pod or
 * unit, and the agent's cgroup stays a leaf: cgroup v2 allows no controllers below a cgroup that
 * holds processes), or a configured path. Nothing of the agent is moved.
 *
 * Hierarchies used: the cgroup v2 one (membership, cgroup.kill, memory.max and pids.max where
 * the controllers reach it; on a hybrid host it has none, only membership and kill), and on v1
 * the memory (memory.limit_in_bytes), pids (pids.max) and freezer (the kill walk) controllers.
 * Other v1 controllers are left alone: cpuset needs cpus and mems copied, and name=systemd is systemd's.
 */
export const SESSIONS_DIR = 'nsinspect-sessions';

export interface SessionLimits {
  memoryMaxBytes: number;
  pidsMax: number;
}

export interface SessionCgroupsInfo {
  /** How sessions are killed: v2 cgroup.kill, the v1 freezer walk, or a SIGKILL walk of cgroup.procs. */
  kill: 'cgroup.kill' | 'freezer' | 'procs' | 'none';
  /** The nsinspect-sessions directories in use. */
  bases: string[];
  /** Why a hierarchy could not be used (read-only, missing), for the start-up log. */
  problems: string[];
  /**
   * The cgroup namespace a session's first process enters before it joins its cgroup, when the
   * agent's own is private (a pod's, on cgroup v2): with nsdelegate (systemd's default) the kernel
   * refuses a move into a cgroup outside the writer's namespace root (ENOENT), and the sessions'
   * directory is outside the agent's. The host's namespace (pid 1's or kthreadd's: the DaemonSet has hostPID).
   */
  enterCgroupNs?: string;
}

/** The directory of `cgroupPath` under a mount that shows `mount.root` as its root; undefined if outside it. */
function dirOf(mount: CgroupMount, cgroupPath: string): string | undefined {
  const rel = relative(mount.root, cgroupPath);
  if (rel.startsWith('..')) return undefined;
  return join(mount.mountPoint, rel);
}

export class SessionCgroups {
  private constructor(private readonly hs: SessionHierarchy[], readonly info: SessionCgroupsInfo, private readonly limits: SessionLimits) {}

  /**
   * Finds the hierarchies and creates nsinspect-sessions in each (a leftover from a previous run is
   * reused; its stale sessions are killed and removed). `parent` overrides the parent cgroup path
   * (the same in every hierarchy). Never throws: a host where nothing is writable gets kill 'none'.
   */
  static setup(limits: SessionLimits, parent?: string, only?: readonly HierarchyKind[]): SessionCgroups {
    const problems: string[] = [];
    let mounts: CgroupMount[] = [];
    let own: ReturnType<typeof parseCgroupFile> = [];
    try {
      const proc = procRootFromEnv();
      mounts = parseCgroupMounts(readFileSync(`${proc}/self/mountinfo`, 'utf8'));
      own = parseCgroupFile(readFileSync(`${proc}/self/cgroup`, 'utf8'));
    } catch (err) {
      problems.push(`reading our own cgroups: ${(err as Error).message}`);
    }
    const hs: SessionHierarchy[] = [];
    const seen = new Set<string>();
    const want: Array<{ kind: HierarchyKind; mount?: CgroupMount; line?: (typeof own)[number] }> = [
      { kind: 'v2', mount: mounts.find((m) => m.version === 2), line: own.find((l) => l.hierarchy === 0) },
      ...(['memory', 'pids', 'freezer'] as const).map((c) => ({
        kind: c,
        mount: mounts.find((m) => m.version === 1 && m.controllers.includes(c)),
        line: own.find((l) => l.controllers.includes(c)),
      })),
    ];
    for (const w of want) {
      if (!w.mount || !w.line || (only && !only.includes(w.kind))) continue;
      const agentDir = dirOf(w.mount, w.line.path);
      if (!agentDir) {
        problems.push(`${w.kind}: our cgroup ${w.line.path} is outside the mount at ${w.mount.mountPoint}`);
        continue;
      }
      const parentDir = parent !== undefined ? dirOf(w.mount, parent) : agentDir === w.mount.mountPoint ? agentDir : dirname(agentDir);
      if (!parentDir) {
        problems.push(`${w.kind}: ${parent} is outside the mount at ${w.mount.mountPoint}`);
        continue;
      }
      const base = join(parentDir, SESSIONS_DIR);
      if (seen.has(base)) continue; // co-mounted v1 controllers share one directory
      try {
        mkdirSync(base, { recursive: true });
      } catch (err) {
        problems.push(`${w.kind}: creating ${base}: ${errnoOf(err) ?? (err as Error).message}`);
        continue;
      }
      seen.add(base);
      let limits = false;
      if (w.kind === 'v2') {
        // Controllers reach the sessions only if enabled here; the agent's parent already has them
        // enabled for the agent's own cgroup (a pod's cgroup does), so this usually works.
        limits = enableLimits(base);
      }
      hs.push({ kind: w.kind, base, limits });
    }
    const v2 = hs.find((h) => h.kind === 'v2');
    const kill: SessionCgroupsInfo['kill'] =
      v2 && kernelHasCgroupKill(v2.base) ? 'cgroup.kill' : hs.some((h) => h.kind === 'freezer') ? 'freezer' : hs.length > 0 ? 'procs' : 'none';
    return new SessionCgroups(hs, { kill, bases: hs.map((h) => h.base), problems }, limits);
  }

  /**
   * Sessions directly under `dir`, a cgroup v2 directory given to the agent for them (the
   * DaemonSet mounts the host's /sys/fs/cgroup/nsinspect-exec writable there, the rest of the
   * tree read-only). Only the v2 hierarchy: on cgroup v1 hosts use `setup`. Never throws.
   */
  static setupDir(limits: SessionLimits, dir: string): SessionCgroups {
    const problems: string[] = [];
    const hs: SessionHierarchy[] = [];
    if (!existsSync(join(dir, 'cgroup.controllers'))) {
      problems.push(`v2: ${dir} is not a cgroup v2 directory (no cgroup.controllers)`);
    } else {
      // Writable? A probe cgroup says so at start-up rather than at the first session.
      const probe = join(dir, `probe-${process.pid}`);
      try {
        mkdirSync(probe);
        rmdirSync(probe);
        hs.push({ kind: 'v2', base: dir, limits: enableLimits(dir) });
      } catch (err) {
        problems.push(`v2: creating a cgroup in ${dir}: ${errnoOf(err) ?? (err as Error).message}`);
      }
    }
    const kill: SessionCgroupsInfo['kill'] = hs.length > 0 ? (kernelHasCgroupKill(dir) ? 'cgroup.kill' : 'procs') : 'none';
    const enter = hs.length > 0 ? hostCgroupNs() : undefined;
    return new SessionCgroups(hs, { kill, bases: hs.map((h) => h.base), problems, ...(enter ? { enterCgroupNs: enter } : {}) }, limits);
  }

  /**
   * Sessions left by an agent that died (killed, OOM): their cgroups name the agent's PID
   * (s-<pid>-<hex>), and that process is gone. Killed and removed; returns how many.
   */
  async sweepStale(): Promise<number> {
    const names = new Set(this.hs.flatMap((h) => subdirs(h.base)));
    let n = 0;
    for (const name of names) {
      const owner = /^s-(\d+)-[0-9a-f]+$/.exec(name);
      if (!owner || existsSync(`${procRootFromEnv()}/${owner[1]}`)) continue;
      n++;
      const s = openSession(name, this.hs.filter((h) => existsSync(join(h.base, name))));
      await s.kill();
      await s.remove();
    }
    return n;
  }

  /** Creates the cgroups of session `name` with the limits; undefined when no hierarchy took it. */
  create(name: string): SessionCgroup | undefined {
    if (!/^[a-z0-9-]{1,64}$/.test(name)) throw new Error(`bad session cgroup name ${JSON.stringify(name)}`);
    const made: SessionHierarchy[] = [];
    for (const h of this.hs) {
      const dir = join(h.base, name);
      try {
        mkdirSync(dir);
      } catch {
        continue;
      }
      const { memoryMaxBytes: mem, pidsMax: pids } = this.limits;
      if (h.kind === 'v2' && h.limits) {
        write(join(dir, 'memory.max'), String(mem));
        write(join(dir, 'pids.max'), String(pids));
      } else if (h.kind === 'memory') write(join(dir, 'memory.limit_in_bytes'), String(mem));
      else if (h.kind === 'pids') write(join(dir, 'pids.max'), String(pids));
      made.push(h);
    }
    return made.length > 0 ? openSession(name, made) : undefined;
  }

}

/** v2: turns on memory and pids for the cgroups below dir where they reach it; whether memory.max will exist there. */
function enableLimits(dir: string): boolean {
  const avail = readText(join(dir, 'cgroup.controllers')).split(' ');
  const on = ['memory', 'pids'].filter((c) => avail.includes(c));
  if (on.length > 0) write(join(dir, 'cgroup.subtree_control'), on.map((c) => `+${c}`).join(' '));
  return readText(join(dir, 'cgroup.subtree_control')).split(' ').includes('memory');
}

/**
 * The host's cgroup namespace file when it differs from ours (we are in a private one); else
 * undefined. Pid 1's, or kthreadd's (pid 2, always in the initial namespaces) where pid 1 cannot
 * be read: a sandbox's init may hold capabilities we lack.
 */
export function hostCgroupNs(procRoot = procRootFromEnv()): string | undefined {
  let ours: string;
  try {
    ours = readlinkSync(`${procRoot}/self/ns/cgroup`);
  } catch {
    return undefined; // no cgroup namespaces: nothing to leave
  }
  for (const pid of [1, 2]) {
    try {
      if (pid === 2 && readFileSync(`${procRoot}/2/comm`, 'utf8').trim() !== 'kthreadd') continue;
      return readlinkSync(`${procRoot}/${pid}/ns/cgroup`) === ours ? undefined : `${procRoot}/${pid}/ns/cgroup`;
    } catch {
      // not ours to read: try the next
    }
  }
  return undefined;
}

/** cgroup.kill exists from Linux 5.14 on, in every non-root cgroup: look for it in a probe child. */
function kernelHasCgroupKill(base: string): boolean {
  return existsSync(join(base, 'cgroup.kill'));
}
