// Reads a namespace's enforced Pod Security level (its pod-security.kubernetes.io/enforce label), cached briefly.
import type { CoreV1Api } from '@kubernetes/client-node';
import { KubeHttpError, type KubeClient } from './client.js';
import { PSS_LEVELS, type PodSecurity, type PssLevel } from '../model/access.js';
import { TtlCache } from './ttl-cache.js';

const ENFORCE = 'pod-security.kubernetes.io/enforce';
const ENFORCE_VERSION = 'pod-security.kubernetes.io/enforce-version';
/** A label rarely changes; an answer is advice, so a minute-old one is good enough. Failures retry sooner. */
export const PSS_TTL = { known: 60_000, unknown: 10_000 };

export class PodSecurityReader {
  private readonly api: Pick<CoreV1Api, 'readNamespace'>;
  private readonly cache: TtlCache<PodSecurity>;

  constructor(client: KubeClient, private readonly opts: { timeoutMs?: number; now?: () => number } = {}) {
    this.api = client;
    this.cache = new TtlCache(1024, opts.now);
  }

  /** Never rejects: what cannot be read is an unknown level, with the reason. */
  async level(namespace: string): Promise<PodSecurity> {
    const hit = this.cache.get(namespace);
    if (hit) return hit;
    const ps = await this.read(namespace);
    this.cache.set(namespace, ps, ps.enforce === 'unknown' ? PSS_TTL.unknown : PSS_TTL.known);
    return ps;
  }

  private async read(namespace: string): Promise<PodSecurity> {
    const unknown = (why: string): PodSecurity => ({ namespace, enforce: 'unknown', why });
    let labels: Record<string, string>;
    try {
      const ns = await timed(this.api.readNamespace({ name: namespace }), this.opts.timeoutMs ?? 3_000);
      labels = ns.metadata?.labels ?? {};
    } catch (err) {
      if (err instanceof KubeHttpError && err.code === 403) return unknown('the agent may not get namespaces (HTTP 403: its ClusterRole lacks get on namespaces)');
      if (err instanceof KubeHttpError && err.code === 404) return unknown(`the namespace was not found (HTTP 404)`);
      return unknown(`reading the namespace failed: ${(err as Error).message.slice(0, 200)}`);
    }
    const v = labels[ENFORCE];
    // Without the label the cluster's default (the admission plugin's configuration) applies, which the API does not show.
    if (v === undefined) return unknown(`it has no ${ENFORCE} label, so the cluster's default level applies, which the API does not show`);
    if (!(PSS_LEVELS as readonly string[]).includes(v)) return unknown(`its ${ENFORCE} label ${JSON.stringify(v.slice(0, 63))} is not a level`);
    const version = labels[ENFORCE_VERSION];
    return { namespace, enforce: v as PssLevel, ...(version ? { version } : {}) };
  }
}

async function timed<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer from the API server in ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
