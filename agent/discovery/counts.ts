// Node-wide counts for metrics: processes, and namespaces by type; a full /proc scan at a slow cadence, only new processes read in between.
import type { NsType } from '../model/types.js';
import { NS_TYPES } from '../model/types.js';
import { listPids, readNsInodes, readPidCounters, readStartTime } from '../procfs/proc.js';
import { procRootFromEnv } from '../procfs/root.js';

export interface NodeCounts {
  processes: number;
  namespaces: Partial<Record<NsType, number>>;
}

/** What one scan did: for the bench and the log. */
export interface ScanStats {
  kind: 'full' | 'incremental';
  pids: number;
  /** Processes whose namespace links were read (all of them in a full scan; the new ones otherwise). */
  read: number;
}

/** Pids handled between two yields to the event loop, so health probes stay fast on 10,000-process nodes. */
const SLICE = 500;

/** One namespace combination (inodes by NS_TYPES index, -1 unreadable), shared by every process that has it. */
interface Combo {
  key: string;
  inodes: number[];
  refs: number;
}

/** A process as last read: its identity (with the pid, the map key) and its namespaces. */
interface Entry {
  startTime: number;
  combo: Combo;
  seen: number;
}

/** The counts' state: entries by pid, combos by key, and how many live combos hold each inode. */
class State {
  readonly entries = new Map<number, Entry>();
  readonly combos = new Map<string, Combo>();
  /** Inode -> live combos holding it, one map per NS_TYPES entry, as a combo has one inode per entry: indexed alike. */
  readonly byType: Map<number, number>[] = NS_TYPES.map(() => new Map());

  add(pid: number, startTime: number, seen: number, inodes: readonly number[]): void {
    const key = inodes.join(',');
    let combo = this.combos.get(key);
    if (!combo) {
      combo = { key, inodes: inodes.slice(), refs: 0 };
      this.combos.set(key, combo);
      combo.inodes.forEach((ino, i) => ino >= 0 && this.byType[i]!.set(ino, (this.byType[i]!.get(ino) ?? 0) + 1));
    }
    combo.refs++;
    this.entries.set(pid, { startTime, combo, seen });
  }

  drop(pid: number): void {
    const e = this.entries.get(pid);
    if (!e) return;
    this.entries.delete(pid);
    if (--e.combo.refs > 0) return;
    this.combos.delete(e.combo.key);
    e.combo.inodes.forEach((ino, i) => {
      if (ino < 0) return;
      const counts = this.byType[i]!;
      const n = (counts.get(ino) ?? 1) - 1;
      if (n === 0) counts.delete(ino);
      else counts.set(ino, n);
    });
  }
}

type Counters = NonNullable<ReturnType<typeof readPidCounters>>;

/** pids below this are not handed out again once the allocator wraps (the kernel's RESERVED_PIDS). */
const RESERVED_PIDS = 300;

/**
 * Keeps the node-wide counts up to date cheaply. A full scan reads every process's namespace
 * links. An incremental scan lists /proc, drops the processes that exited, and reads only new
 * processes: (pid, start time) not seen before. It knows which known pids could have been handed
 * out again since the last scan from the pid allocator's counters (the last pid, forks since
 * boot), so it reads the start time of those few only; when the allocator may have gone all the
 * way round (or procfs lacks the counters) the scan is full. What an incremental scan misses is a
 * process that changed its own namespaces after it was first read (setns(2), unshare(2) with no
 * new process): the counts show that change at the next full scan. So new processes and exits
 * are as fresh as the scan interval; a live process's namespace change is at most fullIntervalMs
 * (plus one scan interval) old.
 */
export class NodeScanner {
  private state = new State();
  private seen = 0;
  private lastFull = -Infinity;
  private counters: Counters | undefined;
  private readonly inodes: number[] = NS_TYPES.map(() => -1);
  last: ScanStats | undefined;

  /** fullIntervalMs: the least time between two full scans; root: where procfs is (a fixture tree in tests). */
  constructor(
    readonly fullIntervalMs: number,
    private readonly root = procRootFromEnv(),
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** One scan, full when the last full one is fullIntervalMs old (or forced), incremental otherwise. */
  async scan(force?: 'full' | 'incremental'): Promise<NodeCounts> {
    const started = this.now();
    const pids = listPids(this.root);
    // Read after the listing: every pid listed was handed out before these counters.
    const prev = this.counters;
    const now = (this.counters = readPidCounters(this.root));
    const reusable = reusedSince(prev, now);
    let full = force === 'full' || (force === undefined && started - this.lastFull >= this.fullIntervalMs) || reusable === 'any';
    if (force === 'incremental') full = false;
    // A full scan builds a new state, so a process re-read shows its namespaces now; the old state
    // still lends start times, so a known process costs no stat read.
    const old = this.state;
    const next = full ? new State() : old;
    const gen = ++this.seen;
    let read = 0;
    for (const [i, pid] of pids.entries()) {
      if (i > 0 && i % SLICE === 0) await new Promise((r) => setImmediate(r));
      let known = old.entries.get(pid);
      let startTime: number | undefined;
      if (known && (reusable === 'any' || reusable(pid))) {
        startTime = readStartTime(pid, this.root);
        if (startTime === undefined) continue; // exited since the listing
        if (startTime !== known.startTime) known = undefined;
      }
      if (known && !full) {
        known.seen = gen;
        continue;
      }
      startTime ??= known?.startTime ?? readStartTime(pid, this.root);
      if (startTime === undefined) continue;
      read++;
      if (!full) next.drop(pid); // a reused pid: its old process goes
      if (readNsInodes(pid, NS_TYPES, this.inodes, this.root) === 0) continue;
      next.add(pid, startTime, gen, this.inodes);
    }
    // Whatever this listing did not show has exited.
    if (!full) for (const [pid, e] of next.entries) if (e.seen !== gen) next.drop(pid);
    this.state = next;
    if (full) this.lastFull = started;
    this.last = { kind: full ? 'full' : 'incremental', pids: pids.length, read };
    return { processes: pids.length, namespaces: Object.fromEntries(NS_TYPES.map((t, i) => [t, next.byType[i]!.size])) };
  }

  /** The namespaces recorded for pid (by type), as the counts see them; undefined when not known. */
  known(pid: number): Partial<Record<NsType, number>> | undefined {
    const e = this.state.entries.get(pid);
    if (!e) return undefined;
    return Object.fromEntries(NS_TYPES.flatMap((t, i) => {
      const ino = e.combo.inodes[i];
      return ino === undefined || ino < 0 ? [] : [[t, ino]];
    }));
  }
}

/**
 * Which pids the allocator may have handed out between two readings of its counters: those after
 * the first last pid up to the second (cyclically). 'any' when it may have gone all the way round:
 * it walks at most one position per fork plus one per task alive meanwhile (at most the tasks
 * alive at the start plus the forks), and a full round is pidMax - RESERVED_PIDS positions.
 */
export function reusedSince(prev: Counters | undefined, now: Counters | undefined): 'any' | ((pid: number) => boolean) {
  if (!prev || !now || now.pidMax !== prev.pidMax) return 'any';
  const forks = now.forks - prev.forks;
  if (forks < 0 || 2 * forks + Math.max(prev.tasks, now.tasks) >= now.pidMax - RESERVED_PIDS) return 'any';
  if (forks === 0) return () => false;
  const [a, b] = [prev.lastPid, now.lastPid];
  return a < b ? (pid) => pid > a && pid <= b : (pid) => pid > a || pid <= b;
}
