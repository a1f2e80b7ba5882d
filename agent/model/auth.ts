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

export interface Decision {
  allowed: boolean;
  reason?: string;
}

/** Who is calling (TokenReview) and may they (SubjectAccessReview). Throws when the API is unreachable. */
export interface AccessReviewer {
  authenticate(token: string): Promise<UserInfo | undefined>;
  authorize(user: UserInfo, attrs: ResourceAttributes): Promise<Decision>;
  authorizeNonResource(user: UserInfo, attrs: { verb: string; path: string }): Promise<Decision>;
}

/** "create pods/exec in namespace shop (pod web)", the way kube-rbac-proxy names a permission. */
export function describeAccess(a: ResourceAttributes): string {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? ` in namespace "${a.namespace}"` : '';
  const what = a.name ? ` (${a.resource === 'nodes' ? 'node' : 'name'} "${a.name}")` : '';
  return `${a.verb} ${res}${where}${what}`;
}
