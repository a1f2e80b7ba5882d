// Keeps each pod's snapshot: reused as is for a short TTL, checked against its processes' fingerprints (in the background while a reader is served), and rebuilt from /proc at a jittered time.
import { processFingerprint } from '../procfs/fingerprint.js';

/** How fresh a pod's view is kept (docs/agent.md, "How fresh the pod answers are"). */
export interface Freshness {
  /**
   * The oldest a view's last check may be when it is served: within it a view is reused as is
   * (from half of it to three quarters, per view), then served while checked in the background;
   * past it, checked before it is served. 0 turns the cache off.
   */
  snapshotTtlMs?: number;
  /**
   * A check keeps the view while each of its processes is the same process, in the same
   * namespaces, with the same credentials (procfs/fingerprint.ts); the first check after a time
   * picked between the TTL plus half of the rest and all of it rebuilds the view from /proc
   * whatever they say: what the fingerprints do not cover (the node's settings, the runtime's
   * records, the container's other processes) is that stale, plus up to one TTL.
   */
  rebuildMs?: number;
  /** The clock, in milliseconds (tests pass their own). */
  now?: () => number;
  /** Runs background checks after the current reader (tests run them by hand). */
  defer?: (run: () => void) => void;
}

/** A process a view was built from, by its PID-reuse guard. */
export interface Built {
  pid: number;
  startTime: number;
}

interface Kept<V> {
  /** From then on a reader is served it and a background check is queued. */
  checkAt: number;
  /** From then on a reader waits for the check: the last one is a TTL old. */
  mustCheckAt: number;
  rebuildAt: number;
  signature: string;
  value: V;
  build: () => V;
  builtFrom: (v: V) => Built[];
  /** Per process the view was built from: its fingerprint just after the build. */
  stamps: Array<[pid: number, stamp: string]>;
}

const MAX_KEPT = 1024;

/**
 * From..to of ms, at random: views built or checked together (a burst of first requests, a client
 * cycling over every pod) must not all be checked or rebuilt in the same instant again.
 */
function spread(ms: number, from = 0.5, to = 1): number {
  return ms * (from + Math.random() * (to - from));
}

export class ViewCache<V> {
  private readonly kept = new Map<string, Kept<V>>();
  private readonly ttlMs: number;
  private readonly rebuildMs: number;
  private readonly now: () => number;
  private readonly defer: (run: () => void) => void;
  /** Keys whose views a reader found due for a check, in the order found. */
  private readonly due = new Set<string>();
  private draining = false;

  constructor(
    private readonly proc: string,
    { snapshotTtlMs = 2_000, rebuildMs = 30_000, now = () => performance.now(), defer = setImmediate }: Freshness = {},
  ) {
    this.ttlMs = snapshotTtlMs;
    this.rebuildMs = Math.max(rebuildMs, snapshotTtlMs);
    this.now = now;
    this.defer = defer;
  }

  /**
   * The view kept under key if its signature (what the API says of the pod) is the same and its
   * last check is recent enough; else a new one from build, kept with the processes it was built
   * from. Checks and rebuilds a reader does not wait for run one per turn of the event loop, so
   * they fill the gaps between requests instead of landing on one.
   */
  get(key: string, signature: string, build: () => V, builtFrom: (v: V) => Built[]): V {
    const now = this.now();
    const hit = this.kept.get(key);
    if (hit && hit.signature === signature) {
      if (now < hit.checkAt) return hit.value;
      // The check's rebuild, inline or in the background, builds from what this reader knows of the
      // pod. Not on every read: a young closure stored into an old entry on each of 2,000 reads a
      // second made scavenges ~45% slower (diff p99 at 2,000 req/s 8.6 -> 9.4-11 ms).
      hit.build = build;
      hit.builtFrom = builtFrom;
      if (now < hit.mustCheckAt) {
        this.queue(key);
        return hit.value;
      }
      return this.check(key, hit, now);
    }
    return this.store(key, signature, build, builtFrom, now);
  }

  /** Kept while its processes are unchanged and its rebuild time is ahead; else rebuilt. */
  private check(key: string, hit: Kept<V>, now: number): V {
    // The same processes in the same namespaces with the same credentials give the same view, and its answers.
    if (now < hit.rebuildAt && hit.stamps.every(([pid, stamp]) => processFingerprint(pid, this.proc) === stamp)) {
      Object.assign(hit, this.checkedAt(now));
      return hit.value;
    }
    return this.store(key, hit.signature, hit.build, hit.builtFrom, now);
  }

  /** When a view checked or built at now is next checked: in the background from its check time, by the reader past the TTL. */
  private checkedAt(now: number): Pick<Kept<V>, 'checkAt' | 'mustCheckAt'> {
    return { checkAt: now + spread(this.ttlMs, 0.5, 0.75), mustCheckAt: now + this.ttlMs };
  }

  private store(key: string, signature: string, build: () => V, builtFrom: (v: V) => Built[], now: number): V {
    const value = build();
    if (this.ttlMs <= 0) return value;
    const stamps = builtFrom(value).map(({ pid, startTime }): [number, string] => {
      const stamp = processFingerprint(pid, this.proc);
      // Gone or replaced since the build read it: a stamp that never matches, so the next check rebuilds.
      return [pid, stamp?.startsWith(`${startTime}\0`) ? stamp : 'gone'];
    });
    const rebuildAt = now + this.ttlMs + spread(this.rebuildMs - this.ttlMs);
    this.kept.set(key, { ...this.checkedAt(now), rebuildAt, signature, value, build, builtFrom, stamps });
    // Bounded: forget entries past their rebuild time when the map grows.
    if (this.kept.size > MAX_KEPT) for (const [k, v] of this.kept) if (now >= v.rebuildAt) this.kept.delete(k);
    return value;
  }

  private queue(key: string): void {
    this.due.add(key);
    if (this.draining) return;
    this.draining = true;
    this.defer(() => this.drain());
  }

  /** One due view per turn, so requests that arrive meanwhile are served between them. */
  private drain(): void {
    const key = this.due.keys().next().value;
    if (key === undefined) {
      this.draining = false;
      return;
    }
    this.due.delete(key);
    const hit = this.kept.get(key);
    const now = this.now();
    // Not checked meanwhile by a reader that could not wait.
    if (hit && now >= hit.checkAt) {
      try {
        this.check(key, hit, now);
      } catch {
        // The next reader builds it and gets the error itself, with its request's context.
        this.kept.delete(key);
      }
    }
    this.defer(() => this.drain());
  }
}
