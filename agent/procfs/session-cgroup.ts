// Exec session cgroups under /sys/fs/cgroup: create with limits, kill as a unit (v2 cgroup.kill, v1 freezer), remove.
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { errnoOf } from '../model/errors.js';
import { readCgroupProcs, subdirs } from './cgroupfs.js';
import { type CgroupMount, parseCgroupFile, parseCgroupMounts } from './parse.js';
import { procRootFromEnv } from './root.js';

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

export type HierarchyKind = 'v2' | 'memory' | 'pids' | 'freezer';
type Kind = HierarchyKind;

interface Hierarchy {
  kind: Kind;
  /** Absolute directory of nsinspect-sessions in this hierarchy. */
  base: string;
  /** v2: whether memory.max and pids.max exist in a session cgroup. */
  limits: boolean;
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

/** One session's cgroups: the agent never joins them; the session's first process does, before its command runs. */
export interface SessionCgroup {
  /** cgroup.procs files the session's first process writes its own PID to. */
  procsFiles: string[];
  /** Whether pid sits in this session's cgroups (every hierarchy used). */
  holds(pid: number): boolean;
  /** PIDs in the session's cgroups now. */
  members(): number[];
  /** Kills every process in the session as a unit and waits until none is left. Idempotent. */
  kill(): Promise<void>;
  /** Removes the session's cgroups (after kill); retries while the last exits finish. */
  remove(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function write(path: string, value: string): boolean {
  try {
    writeFileSync(path, value);
    return true;
  } catch {
    return false;
  }
}

/** The directory of `cgroupPath` under a mount that shows `mount.root` as its root; undefined if outside it. */
function dirOf(mount: CgroupMount, cgroupPath: string): string | undefined {
  const rel = relative(mount.root, cgroupPath);
  if (rel.startsWith('..')) return undefined;
  return join(mount.mountPoint, rel);
}

export class SessionCgroups {
  private constructor(private readonly hs: Hierarchy[], readonly info: SessionCgroupsInfo, private readonly limits: SessionLimits) {}

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
    const hs: Hierarchy[] = [];
    const seen = new Set<string>();
    const want: Array<{ kind: Kind; mount?: CgroupMount; line?: (typeof own)[number] }> = [
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
    const hs: Hierarchy[] = [];
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
      const s = this.open(name);
      await s.kill();
      await s.remove();
    }
    return n;
  }

  /** Creates the cgroups of session `name` with the limits; undefined when no hierarchy took it. */
  create(name: string): SessionCgroup | undefined {
    if (!/^[a-z0-9-]{1,64}$/.test(name)) throw new Error(`bad session cgroup name ${JSON.stringify(name)}`);
    const made: Hierarchy[] = [];
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
    return made.length > 0 ? this.open(name, made) : undefined;
  }

  private open(name: string, hs = this.hs.filter((h) => existsSync(join(h.base, name)))): SessionCgroup {
    const dirs = hs.map((h) => join(h.base, name));
    const v2 = hs.find((h) => h.kind === 'v2');
    const freezer = hs.find((h) => h.kind === 'freezer');
    const members = (): number[] => [...new Set(dirs.flatMap((d) => readCgroupProcs(d) ?? []))];
    let killing: Promise<void> | undefined;
    return {
      procsFiles: dirs.map((d) => join(d, 'cgroup.procs')),
      holds: (pid) => dirs.every((d) => (readCgroupProcs(d) ?? []).includes(pid)),
      members,
      kill: () =>
        (killing ??= (async () => {
          const v2dir = v2 && join(v2.base, name);
          if (v2dir && existsSync(join(v2dir, 'cgroup.kill')) && write(join(v2dir, 'cgroup.kill'), '1')) {
            // The kernel kills every process below, forks racing included; wait for the exits.
            for (let i = 0; i < 200 && members().length > 0; i++) await sleep(10);
            return;
          }
          const fdir = freezer && join(freezer.base, name);
          for (let round = 0; round < 50; round++) {
            // Frozen, nothing can fork between the read and the kill; SIGKILL lands on thaw.
            const frozen = fdir !== undefined && (await freeze(fdir));
            const pids = members();
            for (const p of pids) {
              try {
                process.kill(p, 'SIGKILL');
              } catch {
                // gone
              }
            }
            if (fdir !== undefined) write(join(fdir, 'freezer.state'), 'THAWED');
            if (pids.length === 0 && (frozen || fdir === undefined)) return;
            await sleep(5 * (round + 1));
          }
        })()),
      remove: async () => {
        for (let i = 0; i < 100; i++) {
          let left = 0;
          for (const d of dirs) left += removeTree(d);
          if (left === 0) return;
          await sleep(10);
        }
      },
    };
  }
}

/** v2: turns on memory and pids for the cgroups below dir where they reach it; whether memory.max will exist there. */
function enableLimits(dir: string): boolean {
  const avail = readText(join(dir, 'cgroup.controllers')).split(' ');
  const on = ['memory', 'pids'].filter((c) => avail.includes(c));
  if (on.length > 0) write(join(dir, 'cgroup.subtree_control'), on.map((c) => `+${c}`).join(' '));
  return readText(join(dir, 'cgroup.subtree_control')).split(' ').includes('memory');
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
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

/** v1 freezer: FROZEN, and wait until the state says so (FREEZING while tasks settle). */
async function freeze(dir: string): Promise<boolean> {
  if (!write(join(dir, 'freezer.state'), 'FROZEN')) return false;
  for (let i = 0; i < 100; i++) {
    if (readText(join(dir, 'freezer.state')) === 'FROZEN') return true;
    await sleep(5);
  }
  return false;
}

/** rmdir dir and its children, deepest first; returns how many directories are left. */
function removeTree(dir: string): number {
  let left = 0;
  for (const c of subdirs(dir)) left += removeTree(join(dir, c));
  try {
    rmdirSync(dir);
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') left++;
  }
  return left;
}
