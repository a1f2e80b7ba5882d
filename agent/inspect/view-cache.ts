// Keeps each pod's snapshot: reused as is for a short TTL, then kept while its processes are unchanged (a stat read each), and rebuilt from /proc at a jittered time.
import { readStat } from '../procfs/proc.js';

/** How fresh a pod's view is kept (docs/agent.md, "How fresh the pod answers are"). */
export interface Freshness {
  /** How long a view is reused as is while the pod (its containers' IDs and states) is unchanged; 0 turns the cache off. */
  snapshotTtlMs?: number;
  /**
   * After snapshotTtlMs, the view is kept while each of its processes is still the same process
   * running the same program (pid, start time, command name: one stat read each), and rebuilt
   * from /proc at a time picked between half of this and all of it.
   */
  rebuildMs?: number;
  /** The clock, in milliseconds (tests pass their own). */
  now?: () => number;
}

/** A process a view was built from, by its PID-reuse guard. */
export interface Built {
  pid: number;
  startTime: number;
}

interface Kept<V> {
  at: number;
  rebuildAt: number;
  signature: string;
  value: V;
  /** Per process the view was built from: start time and command name as stat showed them just after the build. */
  stamps: Array<[pid: number, stamp: string]>;
}

const MAX_KEPT = 1024;

export class ViewCache<V> {
  private readonly kept = new Map<string, Kept<V>>();
  readonly ttlMs: number;
  private readonly rebuildMs: number;
  private readonly now: () => number;

  constructor(
    private readonly proc: string,
    { snapshotTtlMs = 1_000, rebuildMs = 10_000, now = () => performance.now() }: Freshness = {},
  ) {
    this.ttlMs = snapshotTtlMs;
    this.rebuildMs = Math.max(rebuildMs, snapshotTtlMs);
    this.now = now;
  }

  /**
   * The view kept under key if its signature (what the API says of the pod) is the same and it is
   * fresh or its processes are unchanged; else a new one from build, kept with the processes it
   * was built from.
   */
  get(key: string, signature: string, build: () => V, builtFrom: (v: V) => Built[]): V {
    const now = this.now();
    const hit = this.kept.get(key);
    if (hit && hit.signature === signature) {
      if (now - hit.at < this.ttlMs) return hit.value;
      // Checked, not rebuilt, until its rebuild time: a process keeps its namespaces and
      // privileges until it execs, unless it calls setns, unshare or setuid itself.
      if (now < hit.rebuildAt && hit.stamps.every(([pid, stamp]) => this.stamp(pid) === stamp)) {
        hit.at = now;
        return hit.value;
      }
    }
    const value = build();
    if (this.ttlMs <= 0) return value;
    const stamps = builtFrom(value).map(({ pid, startTime }): [number, string] => {
      const stamp = this.stamp(pid);
      // Gone or replaced since the build read it: a stamp that never matches, so the next reader rebuilds.
      return [pid, stamp?.startsWith(`${startTime}:`) ? stamp : 'gone'];
    });
    // Each view's rebuild falls at its own time: views built together (a burst of first
    // requests) must not all be rebuilt in the same instant again.
    const rebuildAt = now + this.ttlMs + (this.rebuildMs - this.ttlMs) * (0.5 + Math.random() / 2);
    this.kept.set(key, { at: now, rebuildAt, signature, value, stamps });
    // Bounded: forget entries past their rebuild time when the map grows.
    if (this.kept.size > MAX_KEPT) for (const [k, v] of this.kept) if (now >= v.rebuildAt) this.kept.delete(k);
    return value;
  }

  /** Start time and command name: a restart changes the one, an exec (a privilege-dropping entrypoint's, say) the other. */
  private stamp(pid: number): string | undefined {
    const st = readStat(pid, this.proc);
    return st && `${st.startTime}:${st.comm}`;
  }
}
