// Owns watch streams: chunked newline-delimited JSON events, replay from history, 410 Expired, bookmarks, timeouts, drops.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PodJson } from './pods.js';
import type { PodFilter } from './selectors.js';
import { statusBody } from './status.js';
import type { ChangeEvent, PodStore } from './store.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchParams {
  filter: PodFilter;
  /** Raw resourceVersion query value: undefined/'' /'0' means "send current state as ADDED, then live". */
  resourceVersion?: string;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds?: number;
}

/** How dropWatches() ends streams: 'destroy' kills the TCP socket mid-stream, 'end' sends the final chunk cleanly. */
export type DropMode = 'destroy' | 'end';

const withKind = (p: PodJson): PodJson => ({ kind: 'Pod', apiVersion: 'v1', ...p });

/** Translates a store change into what a watcher with `filter` sees (ADDED/DELETED on selector transitions). */
function project(e: ChangeEvent, filter: PodFilter): { type: WatchEventType; object: PodJson } | undefined {
  const now = filter(e.object);
  if (e.type !== 'MODIFIED') return now ? { type: e.type, object: e.object } : undefined;
  const before = e.prev ? filter(e.prev) : false;
  if (now) return { type: before ? 'MODIFIED' : 'ADDED', object: e.object };
  if (before && e.prev) {
    // Like the watch cache: the old object, stamped with the new resourceVersion.
    const old = structuredClone(e.prev);
    old.metadata.resourceVersion = String(e.rv);
    return { type: 'DELETED', object: old };
  }
  return undefined;
}

class WatchStream {
  private unsubscribe?: () => void;
  private timer?: NodeJS.Timeout;
  closed = false;

  constructor(readonly req: IncomingMessage, readonly res: ServerResponse, readonly params: WatchParams, private readonly onClose: () => void) {
    res.on('close', () => this.cleanup());
  }

  write(type: WatchEventType, object: unknown): void {
    if (this.closed) return;
    this.res.write(JSON.stringify({ type, object: type === 'ERROR' || type === 'BOOKMARK' ? object : withKind(object as PodJson) }) + '\n');
  }

  bookmark(rv: number, initialEventsEnd = false): void {
    if (!this.params.allowBookmarks) return;
    const metadata: Record<string, unknown> = { resourceVersion: String(rv), creationTimestamp: null };
    if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    // The real server sends an otherwise-empty Pod; note spec.containers is null.
    this.write('BOOKMARK', { kind: 'Pod', apiVersion: 'v1', metadata, spec: { containers: null }, status: {} });
  }

  start(store: PodStore): void {
    const { res, params } = this;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    this.req.socket.setNoDelay(true);
    const rvParam = params.resourceVersion;
    if (!rvParam || rvParam === '0') {
      for (const p of store.list(params.filter)) this.write('ADDED', p);
      if (params.sendInitialEvents) this.bookmark(store.resourceVersion(), true);
    } else {
      const rv = Number(rvParam);
      const events = store.eventsSince(rv);
      if (events === 'expired') {
        const msg = `too old resource version: ${rv} (${store.oldestResumableRv()})`;
        this.write('ERROR', statusBody(410, 'Expired', msg));
        this.end();
        return;
      }
      for (const e of events) this.deliver(e);
    }
    this.unsubscribe = store.subscribe((e) => this.deliver(e));
    if (params.timeoutSeconds && params.timeoutSeconds > 0) {
      this.timer = setTimeout(() => this.end(), params.timeoutSeconds * 1000);
    }
  }

  deliver(e: ChangeEvent): void {
    const out = project(e, this.params.filter);
    if (out) this.write(out.type, out.object);
  }

  /** Clean end of stream (terminating chunk), as on timeoutSeconds expiry or 410. */
  end(): void {
    if (this.closed) return;
    this.res.end();
    this.cleanup();
  }

  destroy(): void {
    this.res.socket?.destroy();
    this.cleanup();
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    this.onClose();
  }
}

/** Tracks every open watch stream of one fake server. */
export class WatchHub {
  private readonly streams = new Set<WatchStream>();
  private readonly countListeners = new Set<() => void>();
  private bookmarkTimer?: NodeJS.Timeout;
  /** Total watch streams ever started (including ones answered with 410). */
  started = 0;

  constructor(private readonly store: PodStore, bookmarkIntervalMs = 0) {
    if (bookmarkIntervalMs > 0) {
      this.bookmarkTimer = setInterval(() => this.bookmarkAll(), bookmarkIntervalMs);
      this.bookmarkTimer.unref();
    }
  }

  serve(req: IncomingMessage, res: ServerResponse, params: WatchParams): void {
    const s = new WatchStream(req, res, params, () => {
      this.streams.delete(s);
      this.notify();
    });
    this.started++;
    this.streams.add(s);
    s.start(this.store);
    this.notify();
  }

  /** Number of currently open watch streams. */
  count(): number {
    return this.streams.size;
  }

  /** Resolves once `pred(count())` holds (checked on every open/close), or rejects after timeoutMs. */
  waitFor(pred: (openStreams: number) => boolean, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!pred(this.count())) return;
        clearTimeout(t);
        this.countListeners.delete(check);
        resolve();
      };
      const t = setTimeout(() => {
        this.countListeners.delete(check);
        reject(new Error(`waitForWatches: still ${this.count()} open watch streams after ${timeoutMs}ms`));
      }, timeoutMs);
      this.countListeners.add(check);
      check();
    });
  }

  drop(mode: DropMode = 'destroy'): number {
    const all = [...this.streams];
    for (const s of all) {
      if (mode === 'end') s.end();
      else s.destroy();
    }
    return all.length;
  }

  /** Sends ERROR 410 Expired on every open stream and ends it (what a compacted etcd watch does). */
  expireOpen(): number {
    const all = [...this.streams];
    for (const s of all) {
      s.write('ERROR', statusBody(410, 'Expired', `The resourceVersion for the provided watch is too old.`));
      s.end();
    }
    return all.length;
  }

  bookmarkAll(): void {
    for (const s of this.streams) s.bookmark(this.store.resourceVersion());
  }

  close(): void {
    clearInterval(this.bookmarkTimer);
    this.drop('destroy');
  }

  private notify(): void {
    for (const fn of [...this.countListeners]) fn();
  }
}
