// Container ID <-> cgroup directory <-> PIDs, with a cached index re-walked when it goes stale.
import type { Container, ContainerID } from '../model/types.js';
import { NsinspectError } from '../model/errors.js';
import { errnoOf } from '../model/errors.js';
import { cgroupExists, cgroupHierarchies, readCgroupProcs, walkCgroups } from '../procfs/cgroupfs.js';
import { listPids, readCgroupLines, readStat } from '../procfs/proc.js';
import { procRootFromEnv } from '../procfs/root.js';
import { type ParsedCgroupPath, containerOfName, parseCgroupPath } from './cgroup-path.js';
import { CONTAINER_PREFIX } from '../model/formats.js';

export interface IndexEntry extends ParsedCgroupPath {
  /** Absolute directory of the container's cgroup. */
  dir: string;
}

/** How deep below a hierarchy's root containers are looked for. */
const WALK_MAX_DEPTH = 32;

/** Hex, 12 to 64 characters: what a container ref may hold after `container/`. */

/**
 * The node's containers by ID, found by walking the cgroup hierarchies (never by scanning
 * /proc). Looking one up reads its cgroup.procs; an entry whose directory has gone, or an ID
 * not yet seen, triggers a re-walk.
 */
export class ContainerIndex {
  private entries = new Map<ContainerID, IndexEntry>();
  private walked = false;
  private walkedAt = 0;

  /** proc: where procfs is mounted (its self/mountinfo names the cgroup hierarchies); a fixture tree in tests. */
  constructor(readonly proc = procRootFromEnv()) {}

  /**
   * Re-walks the hierarchies. The first hierarchy holding any container is authoritative. Deep
   * enough for nested layouts (kind in Docker, custom cgroup roots): container subtrees are
   * skipped, so the cost is the number of other directories, not the depth.
   */
  refresh(): void {
    const found = new Map<ContainerID, IndexEntry>();
    for (const h of cgroupHierarchies(this.proc)) {
      walkCgroups(h.mountPoint, (rel, name) => {
        if (name.startsWith('crio-conmon-')) return 'skip';
        if (!containerOfName(name)) return 'descend';
        const parsed = parseCgroupPath(rel);
        if (parsed && !found.has(parsed.containerID)) found.set(parsed.containerID, { ...parsed, dir: h.mountPoint + parsed.containerPath });
        return 'skip';
      }, WALK_MAX_DEPTH);
      if (found.size > 0) break;
    }
    this.entries = found;
    this.walked = true;
    this.walkedAt = performance.now();
  }

  /** How long ago the last walk was (Infinity before the first). */
  ageMs(): number {
    return this.walked ? performance.now() - this.walkedAt : Infinity;
  }

  /** All containers, from a walk at most maxAgeMs old (0: walk now; Infinity: the last walk, if any). */
  all(maxAgeMs = 0): IndexEntry[] {
    if (!this.walked || performance.now() - this.walkedAt >= maxAgeMs) this.refresh();
    return [...this.entries.values()];
  }

  /**
   * Resolves a full ID or a unique prefix (12+ hex) to its index entry.
   * Throws NOT_FOUND, AMBIGUOUS (with the candidates) or INVALID.
   */
  resolve(ref: string): IndexEntry {
    if (!CONTAINER_PREFIX.test(ref)) {
      throw new NsinspectError('INVALID', `invalid container ID ${JSON.stringify(ref)}: want 12 to 64 lowercase hex characters`, {
        hint: 'copy the ID from `nsinspect lsns` or `crictl ps`, without the runtime:// prefix',
      });
    }
    const matches = (): IndexEntry[] => [...this.entries.values()].filter((e) => e.containerID.startsWith(ref));
    let m = this.walked ? matches() : [];
    const only = m.length === 1 ? m[0] : undefined;
    if (!only || !cgroupExists(only.dir)) {
      this.refresh();
      m = matches();
    }
    const [entry] = m;
    if (!entry) {
      throw new NsinspectError('NOT_FOUND', `no container ${ref} on this node`, {
        hint: 'list the running containers with `nsinspect lsns` or `crictl ps`',
      });
    }
    if (m.length > 1) {
      const ids = m.map((e) => e.containerID).sort();
      throw new NsinspectError('AMBIGUOUS', `container prefix ${ref} matches ${m.length} containers: ${ids.join(', ')}`, {
        hint: 'give more characters of the ID',
        details: { candidates: ids },
      });
    }
    return entry;
  }

  /** The container with its current PIDs and init PID. NOT_RUNNING when its cgroup is empty. */
  container(ref: string): Container {
    let entry = this.resolve(ref);
    let pids = procsOf(entry, pidScan(this.proc));
    if (pids === undefined) {
      // The directory vanished between resolve and read: re-walk once.
      this.refresh();
      entry = this.resolve(entry.containerID);
      pids = procsOf(entry, pidScan(this.proc)) ?? [];
    }
    const c: Container = toContainer(entry, pids, this.proc);
    if (c.initPid === undefined) {
      throw new NsinspectError('NOT_RUNNING', `container ${entry.containerID.slice(0, 12)} has no running process`, {
        hint: 'the container has exited; check its state with `crictl ps -a`',
      });
    }
    return c;
  }

  /** Every container's PIDs, as a pid -> container map: the reverse lookup for a node-wide scan. */
  pidOwners(): Map<number, IndexEntry> {
    const owners = new Map<number, IndexEntry>();
    const scan = pidScan(this.proc);
    for (const e of this.all()) for (const pid of procsOf(e, scan) ?? []) owners.set(pid, e);
    return owners;
  }

  /** The containers of one pod, by pod UID, each with its PIDs, from a walk at most maxAgeMs old. */
  podContainers(podUID: string, maxAgeMs = 0): Container[] {
    const scan = pidScan(this.proc);
    return this.all(maxAgeMs)
      .filter((e) => e.podUID === podUID)
      .map((e) => toContainer(e, procsOf(e, scan) ?? [], this.proc));
  }
}

/** pid -> container ID from every process's own /proc/<pid>/cgroup (world-readable); one /proc scan, on first use. */
function pidScan(proc: string): () => Map<number, ContainerID> {
  let owners: Map<number, ContainerID> | undefined;
  return () => {
    if (!owners) {
      owners = new Map();
      for (const pid of listPids(proc)) {
        const id = containerOfPid(pid, proc)?.containerID;
        if (id) owners.set(pid, id);
      }
    }
    return owners;
  };
}

/**
 * A container's PIDs from its cgroup.procs; undefined when its cgroup is gone. When cgroup.procs
 * cannot be read (EACCES: an agent without root or CAP_DAC_READ_SEARCH, a cgroup it may not read),
 * the PIDs come from a /proc scan instead: degraded and slower, never an error.
 */
function procsOf(e: IndexEntry, scan: () => Map<number, ContainerID>): number[] | undefined {
  try {
    return readCgroupProcs(e.dir);
  } catch (err) {
    const code = errnoOf((err as Error).cause);
    if (code !== 'EACCES' && code !== 'EPERM') throw err;
    return [...scan()].filter(([, id]) => id === e.containerID).map(([pid]) => pid);
  }
}

function toContainer(e: IndexEntry, pids: number[], proc: string): Container {
  const c: Container = { containerID: e.containerID, runtime: e.runtime, cgroupDir: e.dir, pids: [...pids].sort((a, b) => a - b) };
  if (e.podUID) c.podUID = e.podUID;
  if (e.qos) c.qos = e.qos;
  const init = initPidOf(c.pids, proc);
  if (init !== undefined) c.initPid = init;
  return c;
}

/**
 * The init process of a set of PIDs: one whose parent is outside the set. Several such (an
 * exec'd process has the runtime as parent): the earliest started one.
 */
export function initPidOf(pids: number[], proc = procRootFromEnv()): number | undefined {
  const set = new Set(pids);
  let best: { pid: number; start: number } | undefined;
  for (const pid of pids) {
    const st = readStat(pid, proc);
    if (!st || set.has(st.ppid)) continue;
    if (!best || st.startTime < best.start || (st.startTime === best.start && pid < best.pid)) best = { pid, start: st.startTime };
  }
  return best?.pid;
}

/** Reverse lookup: which container a PID belongs to, from its own /proc/<pid>/cgroup. */
export function containerOfPid(pid: number, proc = procRootFromEnv()): ParsedCgroupPath | undefined {
  const lines = readCgroupLines(pid, proc);
  if (!lines) return undefined;
  // The v2 line ("0::") first, then name=systemd, then any controller.
  const order = [...lines].sort((a, b) => rankLine(a) - rankLine(b));
  for (const line of order) {
    const parsed = parseCgroupPath(line.path);
    if (parsed) return parsed;
  }
  return undefined;
}

function rankLine(l: { hierarchy: number; controllers: string[] }): number {
  if (l.hierarchy === 0) return 0;
  if (l.controllers.includes('name=systemd')) return 1;
  return 2;
}

