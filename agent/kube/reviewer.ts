// TokenReview + SubjectAccessReview against the API server, with kubelet's cache lifetimes.
import { createHash } from 'node:crypto';
import type { AuthenticationV1Api, AuthorizationV1Api } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';
import type { AccessReviewer, Decision, ResourceAttributes, UserInfo } from '../model/auth.js';
import { TtlCache } from './ttl-cache.js';

/** kubelet's defaults: TokenReview 2 min, allowed 5 min, denied 30 s. */
export const TTL = { token: 120_000, allowed: 300_000, denied: 30_000 };
const MAX_ENTRIES = 4096;

export class KubeReviewer implements AccessReviewer {
  private readonly authn: Pick<AuthenticationV1Api, 'createTokenReview'>;
  private readonly authz: Pick<AuthorizationV1Api, 'createSubjectAccessReview'>;
  private readonly tokens = new TtlCache<UserInfo | null>(MAX_ENTRIES);
  private readonly decisions = new TtlCache<Decision>(MAX_ENTRIES);

  constructor(client: KubeClient, private readonly timeoutMs = 5_000) {
    this.authn = client;
    this.authz = client;
  }

  async authenticate(token: string): Promise<UserInfo | undefined> {
    // Cache by a digest: raw tokens never sit in memory longer than the request.
    const key = createHash('sha256').update(token).digest('hex');
    const hit = this.tokens.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const review = await withTimeout(this.authn.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } }), this.timeoutMs, 'TokenReview');
    const s = review.status;
    const user: UserInfo | null =
      s?.authenticated && s.user?.username
        ? { username: s.user.username, groups: s.user.groups ?? [], ...(s.user.uid ? { uid: s.user.uid } : {}), ...(s.user.extra ? { extra: s.user.extra } : {}) }
        : null;
    this.tokens.set(key, user, TTL.token);
    return user ?? undefined;
  }

  async authorize(user: UserInfo, attrs: ResourceAttributes): Promise<Decision> {
    const key = JSON.stringify([user.username, user.uid, [...user.groups].sort(), user.extra, attrs.verb, attrs.group, attrs.resource, attrs.subresource, attrs.namespace, attrs.name]);
    const hit = this.decisions.get(key);
    if (hit) return hit;
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
            resourceAttributes: { group: attrs.group ?? '', ...attrs },
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

  /** A non-resource path (e.g. get /metrics), as kube-rbac-proxy asks; cached like authorize. */
  async authorizeNonResource(user: UserInfo, attrs: { verb: string; path: string }): Promise<Decision> {
    const key = JSON.stringify(['nonresource', user.username, user.uid, [...user.groups].sort(), user.extra, attrs.verb, attrs.path]);
    const hit = this.decisions.get(key);
    if (hit) return hit;
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
            nonResourceAttributes: { path: attrs.path, verb: attrs.verb },
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
