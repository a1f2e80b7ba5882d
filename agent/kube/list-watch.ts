// Lists, then watches, one collection: resumes from the last resourceVersion, relists after 410 Gone, and keeps only names and versions.
import type { KubeClient } from './client.js';

// client-node's ListWatch and Watch, minus costs a resident agent pays for nothing: they import
// the generated model registry (to pass the selector string through) and node-fetch, whose URL
// parser loads tr46's mapping table (together ~7 MiB of heap, ~14 MiB of RSS); and the ListWatch
// keeps every object it saw, whole, when the caller keeps its own smaller view of each.

/** What the list and watch answers carry that this needs. */
export interface ObjectMeta {
  metadata?: { namespace?: string; name?: string; resourceVersion?: string };
}

export interface ListResult<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

type Verb = 'add' | 'update' | 'delete' | 'error';

const keyOf = (o: ObjectMeta): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/**
 * The events: add (a name not seen), update (a new resourceVersion), delete (a watch DELETED, or a
 * name gone from a relist: then only its metadata's namespace and name are given), error (the
 * list or the watch failed, 410 aside: the caller restarts with start()).
 */
export class ListWatch<T extends ObjectMeta> {
  /** namespace/name -> resourceVersion of every object listed or watched, and nothing else. */
  private versions = new Map<string, string | undefined>();
  private resourceVersion = '';
  private stopped = false;
  private request: AbortController | undefined;
  private readonly handlers: { [V in Verb]: Array<(x: V extends 'error' ? unknown : T) => void> } = { add: [], update: [], delete: [], error: [] };

  constructor(
    private readonly path: string,
    private readonly client: Pick<KubeClient, 'watch'>,
    private readonly listFn: () => Promise<ListResult<T>>,
    private readonly fieldSelector?: string,
  ) {}

  on<V extends Verb>(verb: V, cb: (x: V extends 'error' ? unknown : T) => void): void {
    this.handlers[verb].push(cb);
  }

  /** Lists unless a resourceVersion is known, then opens the watch; resolves once it is open (or failed). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.done(null);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort();
  }

  private abort(): void {
    this.request?.abort();
    this.request = undefined;
  }

  private emit(verb: 'add' | 'update' | 'delete', obj: T): void {
    for (const cb of this.handlers[verb].slice()) cb(obj);
  }

  private fail(err: unknown): void {
    for (const cb of this.handlers.error.slice()) cb(err);
  }

  /** The watch ended (err null: closed by the server) or failed; 410 Gone means relist. */
  private async done(err: unknown): Promise<void> {
    this.abort();
    const e = err as { statusCode?: number; code?: number } | null;
    if (e && (e.statusCode === 410 || e.code === 410)) this.resourceVersion = '';
    else if (err) return this.fail(err);
    if (this.stopped) return;
    if (!this.resourceVersion) {
      let list: ListResult<T>;
      try {
        list = await this.listFn();
      } catch (listErr) {
        return this.fail(listErr);
      }
      const seen = new Set((list.items ?? []).map(keyOf));
      for (const key of [...this.versions.keys()]) {
        if (seen.has(key)) continue;
        this.versions.delete(key);
        const slash = key.indexOf('/');
        this.emit('delete', { metadata: { namespace: key.slice(0, slash), name: key.slice(slash + 1) } } as T);
      }
      for (const o of list.items ?? []) this.put(o);
      this.resourceVersion = list.metadata?.resourceVersion ?? '';
    }
    const query = { resourceVersion: this.resourceVersion, ...(this.fieldSelector !== undefined ? { fieldSelector: this.fieldSelector } : {}) };
    this.request = await this.client.watch(this.path, query, (phase, obj) => this.event(phase, obj as T & { code?: number }), (doneErr) => void this.done(doneErr));
  }

  private event(phase: string, obj: T & { code?: number }): void {
    switch (phase) {
      case 'ERROR':
        if (obj.code === 410) this.resourceVersion = '';
        return;
      case 'ADDED':
      case 'MODIFIED':
        this.put(obj);
        break;
      case 'DELETED':
        if (this.versions.delete(keyOf(obj))) this.emit('delete', obj);
        break;
      default: // BOOKMARK: only its resourceVersion counts
    }
    this.resourceVersion = obj.metadata?.resourceVersion ?? '';
  }

  private put(o: T): void {
    const key = keyOf(o);
    const rv = o.metadata?.resourceVersion;
    if (!this.versions.has(key)) {
      this.versions.set(key, rv);
      return this.emit('add', o);
    }
    const known = this.versions.get(key);
    if (known !== undefined && known === rv) return;
    this.versions.set(key, rv);
    this.emit('update', o);
  }
}
