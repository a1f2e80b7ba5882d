// Owns kube-apiserver's impersonation filter: each Impersonate-* header is authorized (verb impersonate) for the caller, then the request runs as the impersonated user.
import type { IncomingMessage } from 'node:http';
import type { AuthState, ResourceAttributes, UserInfo } from './auth.js';
import { forbiddenMessage } from './status.js';

/** A refusal, as sendStatus takes it. */
export type Refusal = [code: number, reason: string, message: string, details?: { name?: string; group?: string; kind?: string }];

interface Wanted {
  kind: 'ServiceAccount' | 'User' | 'Group' | 'UserExtra' | 'UID';
  name: string;
  namespace?: string;
  /** The extra's key (UserExtra only). */
  field?: string;
}

const SA = /^system:serviceaccount:([^:]+):([^:]+)$/;
const EXTRA = 'impersonate-extra-';

/** Go's %v of an ObjectReference, which the real server's "without impersonating a user" error prints. */
const goRef = (w: Wanted): string => `{${w.kind} ${w.namespace ?? ''} ${w.name}  ${w.kind === 'UserExtra' || w.kind === 'UID' ? 'authentication.k8s.io/v1' : ''}  ${w.field ?? ''}}`;

/** buildImpersonationRequests: every header line is one request; repeated Impersonate-Group lines stay apart. */
function wantedOf(req: IncomingMessage): { wanted: Wanted[] } | { refusal: Refusal } {
  const h = req.headersDistinct;
  const out: Wanted[] = [];
  const user = h['impersonate-user']?.[0] ?? '';
  if (user) {
    const sa = SA.exec(user);
    out.push(sa ? { kind: 'ServiceAccount', namespace: sa[1], name: sa[2] ?? '' } : { kind: 'User', name: user });
  }
  for (const g of h['impersonate-group'] ?? []) out.push({ kind: 'Group', name: g });
  for (const [name, values] of Object.entries(h)) {
    if (!name.startsWith(EXTRA)) continue;
    const field = decodeURIComponent(name.slice(EXTRA.length));
    for (const v of values ?? []) out.push({ kind: 'UserExtra', name: v, field });
  }
  const uid = h['impersonate-uid']?.[0] ?? '';
  if (uid) out.push({ kind: 'UID', name: uid });
  if (out.length > 0 && !user) return { refusal: [500, 'InternalError', `Internal error occurred: requested [${out.map(goRef).join(' ')}] without impersonating a user`] };
  return { wanted: out };
}

/** What the authorizer is asked for one impersonation request. */
function attributesOf(w: Wanted): ResourceAttributes {
  switch (w.kind) {
    case 'ServiceAccount': return { verb: 'impersonate', group: '', resource: 'serviceaccounts', namespace: w.namespace, name: w.name };
    case 'User': return { verb: 'impersonate', group: '', resource: 'users', name: w.name };
    case 'Group': return { verb: 'impersonate', group: '', resource: 'groups', name: w.name };
    case 'UserExtra': return { verb: 'impersonate', group: 'authentication.k8s.io', resource: 'userextras', subresource: w.field, name: w.name };
    case 'UID': return { verb: 'impersonate', group: 'authentication.k8s.io', resource: 'uids', name: w.name };
  }
}

/** responsewriters.Forbidden, for the impersonate verb. */
const forbidden = (caller: string, a: ResourceAttributes): Refusal =>
  [403, 'Forbidden', forbiddenMessage(caller, a), { ...(a.name ? { name: a.name } : {}), ...(a.group ? { group: a.group } : {}), kind: a.resource }];

/**
 * The caller, or whom the caller impersonates: undefined headers leave the caller as is. Always
 * enforced (the real server always authorizes impersonation, whatever enforceRbac says for the
 * rest): each request must be allowed `impersonate` by the policy table, else 403.
 */
export function impersonate(auth: AuthState, caller: UserInfo, req: IncomingMessage): UserInfo | Refusal {
  const asked = wantedOf(req);
  if ('refusal' in asked) return asked.refusal;
  const { wanted } = asked;
  if (wanted.length === 0) return caller;
  const groupsGiven = wanted.some((w) => w.kind === 'Group');
  let username = '';
  let uid: string | undefined;
  let groups: string[] = [];
  const extra: Record<string, string[]> = {};
  for (const w of wanted) {
    const a = attributesOf(w);
    if (!auth.authorize(caller.username, caller.groups, a).allowed) return forbidden(caller.username, a);
    if (w.kind === 'ServiceAccount') {
      username = `system:serviceaccount:${w.namespace}:${w.name}`;
      if (!groupsGiven) groups = ['system:serviceaccounts', `system:serviceaccounts:${w.namespace}`];
    } else if (w.kind === 'User') username = w.name;
    else if (w.kind === 'Group') groups.push(w.name);
    else if (w.kind === 'UserExtra') (extra[w.field ?? ''] ??= []).push(w.name);
    else uid = w.name;
  }
  if (username !== 'system:anonymous') {
    if (!groups.includes('system:authenticated') && !groups.includes('system:unauthenticated')) groups.push('system:authenticated');
  } else if (!groups.includes('system:unauthenticated')) groups.push('system:unauthenticated');
  return { username, groups, ...(uid ? { uid } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
}

export const isRefusal = (x: UserInfo | Refusal): x is Refusal => Array.isArray(x);
