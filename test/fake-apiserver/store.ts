// Owns the in-memory pod store: the global resourceVersion counter, bounded event history and change subscribers.
import { randomUUID } from 'node:crypto';
import { k8sTime, type PodJson } from './pods.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change. `object` carries resourceVersion === String(rv); `prev` is the state before a MODIFIED. */
export interface ChangeEvent {
  type: ChangeType;
  rv: number;
  object: PodJson;
  prev?: PodJson;
}

/** Error with an HTTP-ish code so the HTTP layer can turn it into a Status (404 NotFound, 409 AlreadyExists/Conflict). */
export class StoreError extends Error {
  constructor(readonly code: 404 | 409, readonly reason: 'NotFound' | 'AlreadyExists' | 'Conflict', message: string) {
    super(message);
  }
}

const key = (ns: string, name: string) => `${ns}/${name}`;

export class PodStore {
  private readonly pods = new Map<string, PodJson>();
  private history: ChangeEvent[] = [];
  private readonly subscribers = new Set<(e: ChangeEvent) => void>();
  private rv: number;
  /** Watches may resume from any RV >= floor; older ones get 410 Expired. */
  private floor: number;

  constructor(private readonly historyLimit = 1000, startRv = 1000) {
    this.rv = startRv;
    this.floor = startRv;
  }

  resourceVersion(): number {
    return this.rv;
  }

  /** Oldest resourceVersion a watch can resume from. */
  oldestResumableRv(): number {
    return this.floor;
  }

  /** Fills metadata (namespace "default", uid, creationTimestamp), assigns a new RV and emits ADDED. 409 if it exists. */
  add(pod: PodJson): PodJson {
    const p = structuredClone(pod);
    delete p.kind;
    delete p.apiVersion;
    p.metadata.namespace ??= 'default';
    const k = key(p.metadata.namespace, p.metadata.name);
    if (this.pods.has(k)) throw new StoreError(409, 'AlreadyExists', `pods "${p.metadata.name}" already exists`);
    p.metadata.uid ??= randomUUID();
    p.metadata.creationTimestamp ??= k8sTime();
    return this.commit('ADDED', k, p);
  }

  /**
   * Replaces a pod (identified by its namespace/name) or, with a mutator, edits a copy of the stored one.
   * uid/creationTimestamp are kept from the stored pod; a stale metadata.resourceVersion in a full replacement is a 409
   * Conflict (like optimistic concurrency on PUT) — leave it unset to skip the check. Emits MODIFIED.
   */
  update(pod: PodJson): PodJson;
  update(namespace: string, name: string, mutate: (pod: PodJson) => PodJson | void): PodJson;
  update(a: PodJson | string, name?: string, mutate?: (pod: PodJson) => PodJson | void): PodJson {
    let next: PodJson;
    let old: PodJson;
    if (typeof a === 'string') {
      old = this.mustGet(a, name!);
      const copy = structuredClone(old);
      next = mutate!(copy) ?? copy;
    } else {
      next = structuredClone(a);
      old = this.mustGet(next.metadata.namespace ?? 'default', next.metadata.name);
      if (next.metadata.resourceVersion && next.metadata.resourceVersion !== old.metadata.resourceVersion) {
        throw new StoreError(409, 'Conflict', `Operation cannot be fulfilled on pods "${next.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`);
      }
    }
    delete next.kind;
    delete next.apiVersion;
    next.metadata.namespace = old.metadata.namespace;
    next.metadata.name = old.metadata.name;
    next.metadata.uid = old.metadata.uid;
    next.metadata.creationTimestamp = old.metadata.creationTimestamp;
    return this.commit('MODIFIED', key(old.metadata.namespace!, old.metadata.name), next, old);
  }

  /**
   * Deletes a pod and emits DELETED (the object carries a fresh RV, as on the real server). With `graceful`, first
   * emits MODIFIED setting deletionTimestamp/deletionGracePeriodSeconds, like a kubelet-confirmed graceful delete.
   */
  delete(namespace: string, name: string, opts: { graceful?: boolean } = {}): PodJson {
    if (opts.graceful) {
      this.update(namespace, name, (p) => {
        p.metadata.deletionTimestamp = k8sTime();
        p.metadata.deletionGracePeriodSeconds = 30;
      });
    }
    const old = this.mustGet(namespace, name);
    return this.commit('DELETED', key(namespace, name), structuredClone(old), old);
  }

  get(namespace: string, name: string): PodJson | undefined {
    const p = this.pods.get(key(namespace, name));
    return p && structuredClone(p);
  }

  /** Current pods (copies) in namespace/name order, optionally filtered. */
  list(filter: (p: PodJson) => boolean = () => true): PodJson[] {
    return [...this.pods.values()]
      .filter(filter)
      .sort((x, y) => key(x.metadata.namespace!, x.metadata.name).localeCompare(key(y.metadata.namespace!, y.metadata.name)))
      .map((p) => structuredClone(p));
  }

  /** Events after `rv` in order, or 'expired' when rv is older than the retained history. */
  eventsSince(rv: number): ChangeEvent[] | 'expired' {
    if (rv < this.floor) return 'expired';
    return this.history.filter((e) => e.rv > rv);
  }

  /** Forgets all history: any watch resuming from an RV older than the current one will get 410 Expired. */
  expireHistory(): void {
    this.history = [];
    this.floor = this.rv;
  }

  subscribe(fn: (e: ChangeEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  private mustGet(namespace: string, name: string): PodJson {
    const p = this.pods.get(key(namespace, name));
    if (!p) throw new StoreError(404, 'NotFound', `pods "${name}" not found`);
    return p;
  }

  private commit(type: ChangeType, k: string, obj: PodJson, prev?: PodJson): PodJson {
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    if (type === 'DELETED') this.pods.delete(k);
    else this.pods.set(k, obj);
    const ev: ChangeEvent = { type, rv, object: obj, prev };
    this.history.push(ev);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.floor = dropped.at(-1)?.rv ?? this.floor; // at least one was dropped: the length exceeded the limit
    }
    for (const fn of [...this.subscribers]) fn(ev);
    return structuredClone(obj);
  }
}
