// Owns authentication (bearer-token table, TokenReview) and authorization (policy table, SubjectAccessReview) state.
export interface UserInfo {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
  /** Audiences the token is valid for; default the API server's own audience (DEFAULT_AUDIENCE). */
  audiences?: string[];
  /** Wall-clock ms after which the token is expired (bound tokens); default never. */
  expiresAt?: number;
}

/**
 * One allow rule. Matches when (user matches OR one of the groups matches) and every attribute matches.
 * `*` is a wildcard everywhere. Omitted namespace/name/apiGroup match anything; an omitted subresource matches only
 * requests WITHOUT a subresource (RBAC semantics: "pods" does not grant "pods/exec"). `resource: 'pods/exec'` is
 * shorthand for resource + subresource. At least one of user/group is required.
 */
export interface PolicyRule {
  user?: string;
  group?: string;
  verb: string | string[];
  /** Exactly one of resource and nonResourceURLs. */
  resource?: string;
  /** RBAC nonResourceURLs: exact paths, `*`, or a prefix ending in `*` (e.g. "/metrics", "/debug/*"). */
  nonResourceURLs?: string[];
  subresource?: string;
  apiGroup?: string;
  namespace?: string;
  name?: string;
  /** Reason reported in status.reason when this rule allows; a RBAC-like default otherwise. */
  reason?: string;
}

export interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

export interface SubjectAccessReviewSpec {
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: { path?: string; verb?: string };
}

export interface SarRecord {
  spec: SubjectAccessReviewSpec;
  allowed: boolean;
  reason?: string;
  /** Username of whoever POSTed the review (the agent's identity). */
  caller: string;
}

export interface TokenReviewRecord {
  token: string;
  audiences?: string[];
  authenticated: boolean;
  username?: string;
  caller: string;
}

/** Thrown for request bodies the real server rejects (400 BadRequest / 422 Invalid). */
export class ReviewError extends Error {
  constructor(readonly code: 400 | 422, readonly reason: 'BadRequest' | 'Invalid', message: string) {
    super(message);
  }
}

/** What the real server's --api-audiences defaults to (its --service-account-issuer) on kubeadm and kind. */
export const DEFAULT_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

/** RBAC's NonResourceURLMatches. */
const pathMatches = (spec: string, path: string) =>
  spec === '*' || spec === path || (spec.endsWith('*') && path.startsWith(spec.slice(0, -1)));

const wild = (pattern: string | undefined, value: string | undefined) =>
  pattern === undefined || pattern === '*' || pattern === (value ?? '');

export class AuthState {
  readonly users = new Map<string, UserInfo>();
  readonly rules: PolicyRule[] = [];
  readonly tokenReviews: TokenReviewRecord[] = [];
  readonly subjectAccessReviews: SarRecord[] = [];
  /** namespace/name -> uid: the service accounts TokenRequest can mint for. */
  readonly serviceAccounts = new Map<string, string>();

  addUser(token: string, info: UserInfo): void {
    this.users.set(token, { ...info });
  }

  removeUser(token: string): boolean {
    return this.users.delete(token);
  }

  /** The caller of the API server itself: only a live token whose audiences include the server's own. */
  authenticate(token: string | undefined): UserInfo | undefined {
    const info = token === undefined ? undefined : this.users.get(token);
    if (!info || this.expired(info) || !(info.audiences ?? [DEFAULT_AUDIENCE]).includes(DEFAULT_AUDIENCE)) return undefined;
    return info;
  }

  private expired(info: UserInfo): boolean {
    return info.expiresAt !== undefined && Date.now() >= info.expiresAt;
  }

  allow(rule: PolicyRule): void {
    if (rule.user === undefined && rule.group === undefined) throw new Error('PolicyRule needs a user or a group');
    if ((rule.resource === undefined) === (rule.nonResourceURLs === undefined)) throw new Error('PolicyRule needs exactly one of resource and nonResourceURLs');
    const r = { ...rule };
    if (r.resource?.includes('/') && r.subresource === undefined) [r.resource, r.subresource] = r.resource.split('/', 2);
    this.rules.push(r);
  }

  clearPolicy(): void {
    this.rules.length = 0;
  }

  /** Evaluates the policy table; reason is set only when allowed (a denied RBAC decision has an empty reason). */
  authorize(user: string | undefined, groups: string[] | undefined, a: ResourceAttributes): { allowed: boolean; reason?: string } {
    return this.decide(user, groups, (r) => r.resource !== undefined && wild(r.apiGroup, a.group) && wild(r.resource, a.resource) &&
      (r.subresource === undefined ? !a.subresource : wild(r.subresource, a.subresource)) &&
      wild(r.namespace, a.namespace) && wild(r.name, a.name), a.verb);
  }

  /** Non-resource requests (/metrics, /healthz): only rules with nonResourceURLs apply, as in RBAC. */
  authorizeNonResource(user: string | undefined, groups: string[] | undefined, a: { path?: string; verb?: string }): { allowed: boolean; reason?: string } {
    return this.decide(user, groups, (r) => r.nonResourceURLs !== undefined && r.nonResourceURLs.some((u) => pathMatches(u, a.path ?? '')), a.verb);
  }

  private decide(user: string | undefined, groups: string[] | undefined, matches: (r: PolicyRule) => boolean, verb: string | undefined): { allowed: boolean; reason?: string } {
    const idx = this.rules.findIndex((r) => {
      const who = (r.user !== undefined && wild(r.user, user)) || (r.group !== undefined && (r.group === '*' || (groups ?? []).includes(r.group)));
      const verbs = Array.isArray(r.verb) ? r.verb : [r.verb];
      return who && verbs.some((v) => wild(v, verb)) && matches(r);
    });
    const r = idx < 0 ? undefined : this.rules[idx];
    if (!r) return { allowed: false };
    const subject = r.user !== undefined ? `User "${r.user}"` : `Group "${r.group}"`;
    return { allowed: true, reason: r.reason ?? `RBAC: allowed by fake policy rule #${idx} to ${subject}` };
  }

  /** Builds the TokenReview response body for a request body, recording it. */
  tokenReview(body: unknown, caller: string): Record<string, unknown> {
    const spec = ((body as { spec?: unknown })?.spec ?? {}) as { token?: unknown; audiences?: unknown };
    if (typeof spec.token !== 'string' || spec.token === '') throw new ReviewError(400, 'BadRequest', 'token is required for TokenReview in authentication');
    const wanted = Array.isArray(spec.audiences) ? spec.audiences.map(String) : [];
    const info = this.users.get(spec.token);
    let status: Record<string, unknown>;
    if (!info) {
      // The real server omits `authenticated` (omitempty) when false: treat undefined as false.
      status = { user: {}, error: '[invalid bearer token, token lookup failed]' };
    } else if (this.expired(info)) {
      status = { user: {}, error: '[invalid bearer token, service account token has expired]' };
    } else {
      // As kube-apiserver: no audiences asked for means the API server's own (--api-audiences); the
      // token must share one with what is asked, and status.audiences is that intersection.
      const has = info.audiences ?? [DEFAULT_AUDIENCE];
      const target = wanted.length ? wanted : [DEFAULT_AUDIENCE];
      const aud = target.filter((x) => has.includes(x));
      if (!aud.length) {
        status = { user: {}, error: `[invalid bearer token, token audiences ${JSON.stringify(has)} is invalid for the target audiences ${JSON.stringify(target)}]` };
      } else {
        const user: Record<string, unknown> = { username: info.username, uid: info.uid ?? '', groups: info.groups ?? [] };
        if (info.extra) user.extra = info.extra;
        status = { authenticated: true, user, audiences: aud };
      }
    }
    this.tokenReviews.push({
      token: spec.token, audiences: wanted.length ? wanted : undefined,
      authenticated: status.authenticated === true, username: info?.username, caller,
    });
    const outSpec: Record<string, unknown> = { token: spec.token };
    if (wanted.length) outSpec.audiences = wanted;
    return { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec: outSpec, status };
  }

  /** Builds the SubjectAccessReview response body for a request body, recording it. */
  subjectAccessReview(body: unknown, caller: string): Record<string, unknown> {
    const spec = ((body as { spec?: unknown })?.spec ?? {}) as SubjectAccessReviewSpec;
    const invalid = (field: string, msg: string) =>
      new ReviewError(422, 'Invalid', `SubjectAccessReview.authorization.k8s.io "" is invalid: ${field}: ${msg}`);
    if (!spec.resourceAttributes && !spec.nonResourceAttributes) throw invalid('spec.resourceAttributes', 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified');
    if (spec.resourceAttributes && spec.nonResourceAttributes) throw invalid('spec.nonResourceAttributes', 'Invalid value: "null": cannot be specified in combination with resourceAttributes');
    if (!spec.user && !spec.groups?.length) throw invalid('spec.user', 'Invalid value: "": at least one of user or group must be specified');
    const decision = spec.resourceAttributes
      ? this.authorize(spec.user, spec.groups, spec.resourceAttributes)
      : this.authorizeNonResource(spec.user, spec.groups, spec.nonResourceAttributes ?? {});
    this.subjectAccessReviews.push({ spec: structuredClone(spec), allowed: decision.allowed, reason: decision.reason, caller });
    const status: Record<string, unknown> = { allowed: decision.allowed };
    if (decision.reason) status.reason = decision.reason;
    return { kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status };
  }
}
