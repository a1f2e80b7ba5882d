// The engine's runtime records: one cached path to a container's record, keyed by ID and init process; a pod's records; an exited container's.
import type { ContainerID } from '../model/types.js';
import type { ExitRecord, RecordRoots, RuntimeRecord } from '../model/records.js';
import { readStat } from '../procfs/proc.js';
import type { ContainerIndex } from '../discovery/containers.js';
import { allRecords, readExit, runningContainerdRoots, tryReadRecord } from '../discovery/records.js';
import { RecordCache } from '../discovery/record-cache.js';
import { recordsOfPod } from '../discovery/pod-records.js';

/** A running container's init process: enough to key its record (see record-cache.ts). */
export interface InitProcess {
  pid: number;
  startTime: number;
}

export class ContainerRecords {
  private readonly cache: RecordCache;

  constructor(
    private readonly index: ContainerIndex,
    private readonly roots: RecordRoots,
    private readonly proc: string,
  ) {
    this.cache = new RecordCache(roots, proc);
  }

  /**
   * Every record read's one path: through the record cache, keyed by container ID and its init
   * process (found and its start time read here unless the caller has them). With no live init
   * there is nothing to key on: read directly, as tryReadRecord does without one.
   */
  of(id: ContainerID, init?: InitProcess): RuntimeRecord | undefined {
    if (!init) {
      const pid = this.initPidOf(id);
      const st = pid === undefined ? undefined : readStat(pid, this.proc);
      if (pid === undefined || !st) return tryReadRecord(id, this.roots, pid, this.proc);
      init = { pid, startTime: st.startTime };
    }
    return this.cache.get(id, init.pid, init.startTime);
  }

  /** The init pid of a running container; undefined when it is not (or no longer) running. */
  initPidOf(id: string): number | undefined {
    try {
      return this.index.container(id).initPid;
    } catch {
      return undefined;
    }
  }

  /** Every record found through these init processes' bundles, and CRI-O's. */
  throughInits(inits: Iterable<number>): RuntimeRecord[] {
    return allRecords(this.roots, inits, this.proc);
  }

  /** The records of a pod's running containers on this node, by pod namespace and name. */
  ofPod(namespace: string, name: string): RuntimeRecord[] {
    const inits = this.index.all().map((e) => this.initPidOf(e.containerID)).filter((p): p is number => p !== undefined);
    return recordsOfPod(this.throughInits(inits), namespace, name);
  }

  /** What the CRI's records keep of an exited container: the configured roots, then those of the containerd daemons running here. */
  exitOf(prefix: string): ExitRecord | undefined {
    return readExit(prefix, this.roots, [], this.proc) ?? readExit(prefix, { ...this.roots, containerdRoot: [] }, runningContainerdRoots(this.proc), this.proc);
  }
}
