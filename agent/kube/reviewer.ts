// TokenReview + SubjectAccessReview against the API server, with caches short enough that a revocation is seen soon.
import { createHash } from 'node:crypto';
import type { AuthenticationV1Api, AuthorizationV1Api, V1SubjectAccessReviewSpec } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';
import type { AccessReviewer, Decision, ResourceAttributes, UserInfo } from '../model/auth.js';
import { TtlCache } from './ttl-cache.js';

/**
 * Cache lifetimes (ms). A token: kubelet's 2 min, never past its JWT `exp`. An allowed decision:
 * 10 s, not kubelet's 5 min, for every permission: every route here shows or enters another
 * user's processes on a node, and exec is root on it, so a revoked binding must stop working
 * within seconds; a SubjectAccessReview is an in-memory RBAC lookup, and an interactive tool makes
 * few of them. A denial: kubelet's 30 s. A failed TokenReview: 10 s, the API server's own failure TTL.
 */
export const TTL = { token: 120_000, allowed: 10_000, denied: 30_000, failedToken: 10_000 };
/**
 * An allowed decision in its last REFRESH_AHEAD_MS is still served, and asked again in the
 * background: a user who keeps using a permission never waits for a SubjectAccessReview (at 2,000
 * requests/s over 100 pods, a request in a hundred would), and nothing is served past its TTL.
 */
export const REFRESH_AHEAD_MS = 2_000;
/** Failed tokens have their own, smaller cache, so random tokens never evict a good user's entry. */
export const CACHE_ENTRIES = { tokens: 4096, failedTokens: 1024, decisions: 4096 };

export interface ReviewerOptions {
  /** Send spec.audiences [audience] and require it back in status.audiences; unset: the API server's audiences. */
  audience?: string;
  timeoutMs?: number;
  /** Monotonic ms, for cache lifetimes (tests inject it). */
  now?: () => number;
  /** Wall-clock ms, compared with a JWT's `exp`. */
  wallNow?: () => number;
}

export class KubeReviewer implements AccessReviewer {
  private readonly authn: Pick<AuthenticationV1Api, 'createTokenReview'>;
  private readonly authz: Pick<AuthorizationV1Api, 'createSubjectAccessReview'>;
  private readonly tokens: TtlCache<UserInfo>;
  private readonly failed: TtlCache<true>;
  private readonly decisions: TtlCache<Decision>;
  /** One TokenReview per token at a time: concurrent requests with a new token share its answer. */
  private readonly inflight = new Map<string, Promise<UserInfo | undefined>>();
  /** One SubjectAccessReview per question at a time, the same way. */
  private readonly deciding = new Map<string, Promise<Decision>>();
  private readonly audience?: string;
  private readonly timeoutMs: number;
  private readonly wallNow: () => number;

  constructor(client: KubeClient, opts: ReviewerOptions = {}) {
    this.authn = client;
    this.authz = client;
    this.audience = opts.audience;
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.wallNow = opts.wallNow ?? (() => Date.now());
    this.tokens = new TtlCache(CACHE_ENTRIES.tokens, opts.now);
    this.failed = new TtlCache(CACHE_ENTRIES.failedTokens, opts.now);
    this.decisions = new TtlCache(CACHE_ENTRIES.decisions, opts.now);
  }

  async authenticate(token: string, opts: { beforeReview?: () => void } = {}): Promise<UserInfo | undefined> {
    // Cache by a digest: raw tokens never sit in memory longer than the request.
    const key = createHash('sha256').update(token).digest('hex');
    const hit = this.tokens.get(key);
    if (hit) return hit;
    if (this.failed.get(key)) return undefined;
    const pending = this.inflight.get(key);
    if (pending) return pending;
    opts.beforeReview?.();
    const review = this.review(token, key).finally(() => this.inflight.delete(key));
    this.inflight.set(key, review);
    return review;
  }

  private async review(token: string, key: string): Promise<UserInfo | undefined> {
    const spec = { token, ...(this.audience ? { audiences: [this.audience] } : {}) };
    const review = await withTimeout(this.authn.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec } }), this.timeoutMs, 'TokenReview');
    const s = review.status;
    // With an audience asked for, the API server must say the token is for it (kube's webhook authenticator does the same).
    const audienceOk = !this.audience || (s?.audiences ?? []).includes(this.audience);
    if (!s?.authenticated || !s.user?.username || !audienceOk) {
      this.failed.set(key, true, TTL.failedToken);
      return undefined;
    }
    const user: UserInfo = { username: s.user.username, groups: s.user.groups ?? [], ...(s.user.uid ? { uid: s.user.uid } : {}), ...(s.user.extra ? { extra: s.user.extra } : {}) };
    const exp = jwtExpiry(token);
    const ttl = exp === undefined ? TTL.token : Math.min(TTL.token, exp - this.wallNow());
    if (ttl > 0) this.tokens.set(key, user, ttl);
    return user;
  }

  authorize(user: UserInfo, attrs: ResourceAttributes): Promise<Decision> {
    const key = JSON.stringify(['r', attrs.verb, attrs.group, attrs.resource, attrs.subresource, attrs.namespace, attrs.name]);
    return this.decide(user, key, { resourceAttributes: { group: attrs.group ?? '', ...attrs } });
  }

  authorizeNonResource(user: UserInfo, attrs: { verb: string; path: string }): Promise<Decision> {
    const key = JSON.stringify(['n', attrs.verb, attrs.path]);
    return this.decide(user, key, { nonResourceAttributes: { verb: attrs.verb, path: attrs.path } });
  }

  private decide(user: UserInfo, what: string, attrs: Pick<V1SubjectAccessReviewSpec, 'resourceAttributes' | 'nonResourceAttributes'>): Promise<Decision> {
    const key = JSON.stringify([user.username, user.uid, [...user.groups].sort(), user.extra, what]);
    const hit = this.decisions.get(key);
    if (hit) {
      // A failed refresh is dropped: the entry then expires and the next request asks, and waits.
      if (hit.allowed && (this.decisions.remaining(key) ?? 0) <= REFRESH_AHEAD_MS) this.ask(user, key, attrs).catch(() => undefined);
      return Promise.resolve(hit);
    }
    return this.ask(user, key, attrs);
  }

  /** The SubjectAccessReview for key, shared by everyone asking while it is in flight; its answer is cached. */
  private ask(user: UserInfo, key: string, attrs: Pick<V1SubjectAccessReviewSpec, 'resourceAttributes' | 'nonResourceAttributes'>): Promise<Decision> {
    const pending = this.deciding.get(key);
    if (pending) return pending;
    const asking = this.accessReview(user, key, attrs).finally(() => this.deciding.delete(key));
    this.deciding.set(key, asking);
    return asking;
  }

  private async accessReview(user: UserInfo, key: string, attrs: Pick<V1SubjectAccessReviewSpec, 'resourceAttributes' | 'nonResourceAttributes'>): Promise<Decision> {
    const review = await withTimeout(
      this.authz.createSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: user.username,
            groups: user.groups,
            ...(user.uid ? { uid: user.uid } : {}),
            ...(user.extra ? { extra: user.extra } : {}),
            ...attrs,
          },
        },
      }),
      this.timeoutMs,
      'SubjectAccessReview',
    );
    const d: Decision = { allowed: review.status?.allowed === true, ...(review.status?.reason ? { reason: review.status.reason } : {}) };
    this.decisions.set(key, d, d.allowed ? TTL.allowed : TTL.denied);
    return d;
  }
}

/**
 * The `exp` of a JWT in wall-clock ms, read without verifying: the API server verified the token
 * and we only shorten our cache with it. Undefined for anything that is not a JWT with a numeric exp.
 */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  const payload = parts.length === 3 ? parts[1] : undefined;
  if (payload === undefined || !/^[\w-]+$/.test(payload)) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer from the API server in ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
