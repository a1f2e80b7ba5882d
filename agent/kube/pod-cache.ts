// Watches this node's pods (list+watch, list-watch.ts) and keeps them as PodInfo.
// Not client-node's informer: its ListWatch and Watch load the generated models and node-fetch (list-watch.ts).
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';
import type { PodContainer, PodDirectory, PodInfo } from '../model/pod.js';
import { podInfo } from './pod-model.js';
import { ListWatch } from './list-watch.js';

export interface PodCacheLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;

/**
 * list + watch with fieldSelector=spec.nodeName=<node>. The informer resumes from the last
 * resourceVersion when a watch ends, and relists after 410 Gone by itself; after an error (API
 * server down, connection reset) it stops, so we restart it with exponential backoff.
 */
export class PodCache implements PodDirectory {
  private readonly informer: ListWatch<V1Pod>;
  private pods = new Map<string, PodInfo>();
  private byID = new Map<string, { pod: PodInfo; container: PodContainer }>();
  private listed = false;
  private watchUp = false;
  private stopped = false;
  private backoff = BACKOFF_MIN_MS;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(client: KubeClient, readonly nodeName: string, private readonly log: PodCacheLog) {
    const api: Pick<CoreV1Api, 'listPodForAllNamespaces'> = client;
    const fieldSelector = `spec.nodeName=${nodeName}`;
    const list = async () => {
      const l = await api.listPodForAllNamespaces({ fieldSelector });
      this.listed = true;
      this.watchUp = true;
      this.backoff = BACKOFF_MIN_MS;
      return l;
    };
    this.informer = new ListWatch<V1Pod>('/api/v1/pods', client, list, fieldSelector);
    for (const verb of ['add', 'update'] as const) this.informer.on(verb, (p) => this.put(p));
    this.informer.on('delete', (p) => this.remove(p));
    this.informer.on('error', (err) => this.failed(err));
  }

  /** Starts watching; resolves after the first attempt, synced or not. Never rejects. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.attempt();
  }

  /**
   * One (re)start of the informer. A restart after an outage resumes the watch from the last
   * resourceVersion without a list (unless the API answers 410), so success is judged here: an
   * attempt that raised no error has its watch connected again.
   */
  private async attempt(): Promise<void> {
    const failuresBefore = this.failures;
    try {
      await this.informer.start();
    } catch (err) {
      // e.g. the credentials could not be applied (a token file gone): retried with backoff.
      this.failed(err);
      return;
    }
    if (!this.stopped && this.listed && this.failures === failuresBefore) {
      this.watchUp = true;
      this.backoff = BACKOFF_MIN_MS;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.informer.stop();
  }

  synced(): boolean {
    return this.listed;
  }

  /** Whether the watch is currently connected (the kube_sync_up metric). */
  up(): boolean {
    return this.watchUp;
  }

  get(namespace: string, name: string): PodInfo | undefined {
    return this.pods.get(`${namespace}/${name}`);
  }

  list(): PodInfo[] {
    return [...this.pods.values()];
  }

  byContainerID(id: string): { pod: PodInfo; container: PodContainer } | undefined {
    return this.byID.get(id);
  }

  private put(p: V1Pod): void {
    this.watchUp = true;
    const info = podInfo(p);
    if (info.nodeName !== undefined && info.nodeName !== this.nodeName) return this.remove(p);
    const key = `${info.namespace}/${info.name}`;
    const old = this.pods.get(key);
    if (old) for (const c of old.containers) if (c.containerID) this.byID.delete(c.containerID);
    this.pods.set(key, info);
    for (const c of info.containers) if (c.containerID) this.byID.set(c.containerID, { pod: info, container: c });
  }

  private remove(p: V1Pod): void {
    const key = `${p.metadata?.namespace ?? 'default'}/${p.metadata?.name ?? ''}`;
    const old = this.pods.get(key);
    if (!old) return;
    for (const c of old.containers) if (c.containerID) this.byID.delete(c.containerID);
    this.pods.delete(key);
  }

  private failed(err: unknown): void {
    this.failures++;
    this.watchUp = false;
    if (this.stopped) return;
    const delay = Math.round(this.backoff * (0.8 + Math.random() * 0.4));
    this.log.warn({ err: String((err as Error)?.message ?? err), retryInMs: delay }, 'pod watch failed; keeping the last known pods');
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      if (!this.stopped) void this.attempt();
    }, delay);
    this.retry.unref();
  }
}
