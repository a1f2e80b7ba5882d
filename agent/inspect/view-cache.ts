// Keeps each pod's snapshot: reused as is for a short TTL, then kept while its processes' fingerprints are unchanged, and rebuilt from /proc at a jittered time.
import { processFingerprint } from '../procfs/fingerprint.js';

/** How fresh a pod's view is kept (docs/agent.md, "How fresh the pod answers are"). */
export interface Freshness {
  /** How long a view is reused as is (half of this to all of it, per view) while the pod (its containers' IDs and states) is unchanged; 0 turns the cache off. */
  snapshotTtlMs?: number;
  /**
   * After snapshotTtlMs, the view is kept while each of its processes is the same process, in the
   * same namespaces, with the same credentials (procfs/fingerprint.ts), and rebuilt from /proc
   * at a time picked between half of this and all of it: what the fingerprints do not cover
   * (the node's settings, the runtime's records, the container's other processes) is that stale.
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
  /** Until when it is reused as is. */
  checkAt: number;
  rebuildAt: number;
  signature: string;
  value: V;
  /** Per process the view was built from: its fingerprint just after the build. */
  stamps: Array<[pid: number, stamp: string]>;
}

const MAX_KEPT = 1024;

/**
 * Half of ms to all of it, at random: views built or checked together (a burst of first requests,
 * a client cycling over every pod) must not all be checked or rebuilt in the same instant again.
 */
function spread(ms: number): number {
  return ms * (0.5 + Math.random() / 2);
}

export class ViewCache<V> {
  private readonly kept = new Map<string, Kept<V>>();
  private readonly ttlMs: number;
  private readonly rebuildMs: number;
  private readonly now: () => number;

  constructor(
    private readonly proc: string,
    { snapshotTtlMs = 2_000, rebuildMs = 30_000, now = () => performance.now() }: Freshness = {},
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
      if (now < hit.checkAt) return hit.value;
      // Checked, not rebuilt, until its rebuild time: the same processes in the same namespaces
      // with the same credentials give the same view, and its answers.
      if (now < hit.rebuildAt && hit.stamps.every(([pid, stamp]) => processFingerprint(pid, this.proc) === stamp)) {
        hit.checkAt = now + spread(this.ttlMs);
        return hit.value;
      }
    }
    const value = build();
    if (this.ttlMs <= 0) return value;
    const stamps = builtFrom(value).map(({ pid, startTime }): [number, string] => {
      const stamp = processFingerprint(pid, this.proc);
      // Gone or replaced since the build read it: a stamp that never matches, so the next reader rebuilds.
      return [pid, stamp?.startsWith(`${startTime}\0`) ? stamp : 'gone'];
    });
    const rebuildAt = now + this.ttlMs + spread(this.rebuildMs - this.ttlMs);
    this.kept.set(key, { checkAt: now + spread(this.ttlMs), rebuildAt, signature, value, stamps });
    // Bounded: forget entries past their rebuild time when the map grows.
    if (this.kept.size > MAX_KEPT) for (const [k, v] of this.kept) if (now >= v.rebuildAt) this.kept.delete(k);
    return value;
  }
}
