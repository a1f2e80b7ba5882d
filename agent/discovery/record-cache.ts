// The runtime records of running containers, read once per init process: an OCI bundle's spec is written at create and never changes while its init lives.
import type { RecordRoots, RuntimeRecord } from '../model/records.js';
import { tryReadRecord } from './records.js';

/** Enough for every container a node runs, with room for churn; the oldest entry goes first. */
export const RECORD_CACHE_ENTRIES = 2048;

/**
 * Keyed by container ID and its init process (pid and start time), so a restarted container or a
 * reused pid reads again. Records that are not found are not kept (the runtime may be writing
 * them). dockerd's names live outside the spec and change with `docker rename`: read every time.
 */
export class RecordCache {
  private readonly map = new Map<string, RuntimeRecord>();

  constructor(
    private readonly roots: RecordRoots,
    private readonly proc: string,
    private readonly maxEntries = RECORD_CACHE_ENTRIES,
  ) {}

  /** The container's record, as tryReadRecord reads it through its init process. */
  get(containerID: string, initPid: number, startTime: number): RuntimeRecord | undefined {
    const key = `${containerID}/${initPid}/${startTime}`;
    const known = this.map.get(key);
    if (known) return known;
    const rec = tryReadRecord(containerID, this.roots, initPid, this.proc);
    if (!rec || rec.runtime === 'docker') return rec;
    this.map.set(key, rec);
    if (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value as string);
    return rec;
  }

  get size(): number {
    return this.map.size;
  }
}
