// Plain types of authentication and authorization, as TokenReview and SubjectAccessReview speak them.

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface ResourceAttributes {
  verb: string;
  resource: string;
  subresource?: string;
  group?: string;
  namespace?: string;
  name?: string;
}

/** One permission a route needs, with what a denial tells the caller when the plain RBAC hint is not enough. */
export interface Requirement {
  attrs: ResourceAttributes;
  /** Why this permission is needed, said in the 403 after "cannot …". */
  why?: string;
  /** What to use instead, or which role grants it. */
  hint?: string;
}

export interface Decision {
  allowed: boolean;
  reason?: string;
}

/** Who is calling (TokenReview) and may they (SubjectAccessReview). Throws when the API is unreachable. */
export interface AccessReviewer {
  /** `beforeReview` runs only when the answer is not cached and a TokenReview is about to go out; it may throw to stop it. */
  authenticate(token: string, opts?: { beforeReview?: () => void }): Promise<UserInfo | undefined>;
  authorize(user: UserInfo, attrs: ResourceAttributes): Promise<Decision>;
  /** A non-resource URL such as /metrics (kube-rbac-proxy's check: `get` on the path). */
  authorizeNonResource(user: UserInfo, attrs: { verb: string; path: string }): Promise<Decision>;
}

/** "create pods/exec in namespace shop (pod web)", the way kube-rbac-proxy names a permission. */
export function describeAccess(a: ResourceAttributes): string {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? ` in namespace "${a.namespace}"` : '';
  const what = a.name ? ` (${a.resource === 'nodes' ? 'node' : 'name'} "${a.name}")` : '';
  return `${a.verb} ${res}${where}${what}`;
}

/** How one request's authentication or authorization ended, as the metrics count it. */
export type DecisionKind = 'allowed' | 'denied' | 'unauthenticated' | 'error';
