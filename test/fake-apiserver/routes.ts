// The REST resources the fake serves, once a request is authenticated: pods (list, watch, get), namespaces, portforward without an upgrade, TokenRequest, reviews.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthState, ResourceAttributes, UserInfo } from './auth.js';
import { podFilter } from './selectors.js';
import { sendJson, sendStatus } from './status.js';
import type { PodStore } from './store.js';
import type { WatchHub } from './watch.js';
import { tokenRequest } from './tokenrequest.js';
import { readJson } from './body.js';

export const PORTFORWARD_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/;

/** What the routes use of the server (FakeApiHttpServer makes one). */
export interface RouteContext {
  readonly store: PodStore;
  readonly auth: AuthState;
  readonly watches: WatchHub;
  /** Namespaces by name, with their labels. */
  readonly namespaces: ReadonlyMap<string, { uid: string; created: string; labels: Record<string, string> }>;
  /** Server-side cap on watch duration when the client sends none. */
  readonly watchTimeoutSeconds: number | undefined;
  /** Resolves when new watches may start (see pauseWatches). */
  watchGate(): Promise<void> | undefined;
  /** 403s and returns false when RBAC enforcement is on and the policy table denies the caller. */
  rbac(res: ServerResponse, caller: UserInfo, a: ResourceAttributes): boolean;
}

/** Group i of a path match, URL-decoded. These path patterns' groups are all mandatory: a match has each one. */
export function segment(m: RegExpExecArray, i: number): string {
  const s = m[i];
  if (s === undefined) throw new Error(`fake apiserver: path ${m.input} matched without group ${i}`);
  return decodeURIComponent(s);
}

/** Routes one authenticated (and impersonated) plain request to its resource; 404 and 405 as kube-apiserver words them. */
export async function route(api: RouteContext, req: IncomingMessage, res: ServerResponse, url: URL, isWatch: boolean, caller: UserInfo): Promise<void> {
  const q = url.searchParams;
  const path = url.pathname.replace(/\/+$/, '');
  const notAllowed = () => sendStatus(res, 405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

  let m = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?pods$/.exec(path);
  if (m) {
    if (req.method !== 'GET') return notAllowed();
    const namespace = m[1] ? decodeURIComponent(m[1]) : undefined;
    const filter = podFilter(namespace, q.get('fieldSelector'), q.get('labelSelector'));
    if (!api.rbac(res, caller, { verb: isWatch ? 'watch' : 'list', group: '', resource: 'pods', namespace })) return;
    if (!isWatch) {
      const items = api.store.list(filter);
      return sendJson(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(api.store.resourceVersion()) }, items });
    }
    const rv = q.get('resourceVersion') ?? undefined;
    if (rv && rv !== '0' && !/^\d+$/.test(rv)) return sendStatus(res, 400, 'BadRequest', `resourceVersion: Invalid value: "${rv}": must be a non-negative integer`);
    const timeout = Number(q.get('timeoutSeconds') ?? api.watchTimeoutSeconds ?? 0);
    await api.watchGate();
    if (req.socket.destroyed) return;
    return api.watches.serve(req, res, {
      filter, resourceVersion: rv, timeoutSeconds: Number.isFinite(timeout) ? timeout : 0,
      allowBookmarks: q.get('allowWatchBookmarks') === 'true', sendInitialEvents: q.get('sendInitialEvents') === 'true',
    });
  }

  m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(path);
  if (m) {
    if (req.method !== 'GET') return notAllowed();
    const [namespace, name] = [segment(m, 1), segment(m, 2)];
    if (!api.rbac(res, caller, { verb: 'get', group: '', resource: 'pods', namespace, name })) return;
    const pod = api.store.get(namespace, name);
    if (!pod) return sendStatus(res, 404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' });
    return sendJson(res, 200, { kind: 'Pod', apiVersion: 'v1', ...pod });
  }

  m = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(path);
  if (m) {
    if (req.method !== 'GET') return notAllowed();
    const name = segment(m, 1);
    // kube-apiserver's RequestInfo puts a namespace's own name in the namespace attribute, so a
    // RoleBinding in a namespace can grant get on it.
    if (!api.rbac(res, caller, { verb: 'get', group: '', resource: 'namespaces', namespace: name, name })) return;
    const ns = api.namespaces.get(name);
    if (!ns) return sendStatus(res, 404, 'NotFound', `namespaces "${name}" not found`, { name, kind: 'namespaces' });
    return sendJson(res, 200, {
      kind: 'Namespace', apiVersion: 'v1',
      // The API server always sets kubernetes.io/metadata.name (NamespaceDefaultLabelName).
      metadata: { name, uid: ns.uid, resourceVersion: String(api.store.resourceVersion()), creationTimestamp: ns.created, labels: { ...ns.labels, 'kubernetes.io/metadata.name': name } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }

  m = PORTFORWARD_PATH.exec(path);
  if (m) { // reached only without an Upgrade header (upgrades go to handleUpgrade)
    if (req.method !== 'GET' && req.method !== 'POST') return notAllowed();
    const [namespace, name] = [segment(m, 1), segment(m, 2)];
    if (!api.rbac(res, caller, { verb: 'create', group: '', resource: 'pods', subresource: 'portforward', namespace, name })) return;
    if (!api.store.get(namespace, name)) return sendStatus(res, 404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' });
    return sendStatus(res, 400, 'BadRequest', 'Upgrade request required');
  }

  m = /^\/api\/v1\/namespaces\/([^/]+)\/serviceaccounts\/([^/]+)\/token$/.exec(path);
  if (m) { // TokenRequest: `kubectl create token <sa> [--audience a] [--duration d]`
    if (req.method !== 'POST') return notAllowed();
    const [namespace, name] = [segment(m, 1), segment(m, 2)];
    if (!api.rbac(res, caller, { verb: 'create', group: '', resource: 'serviceaccounts', subresource: 'token', namespace, name })) return;
    const out = tokenRequest(api.auth, namespace, name, await readJson(req));
    return out ? sendJson(res, 201, out) : sendStatus(res, 404, 'NotFound', `serviceaccounts "${name}" not found`, { name, kind: 'serviceaccounts' });
  }

  m = /^\/apis\/(authentication\.k8s\.io)\/v1\/(tokenreviews)$|^\/apis\/(authorization\.k8s\.io)\/v1\/(subjectaccessreviews)$/.exec(path);
  if (m) {
    if (req.method !== 'POST') return notAllowed();
    const [group, resource] = m[1] ? [m[1], m[2]] : [m[3], m[4]];
    if (!api.rbac(res, caller, { verb: 'create', group, resource })) return;
    const body = await readJson(req);
    const out = resource === 'tokenreviews' ? api.auth.tokenReview(body, caller.username) : api.auth.subjectAccessReview(body, caller.username);
    return sendJson(res, 201, out);
  }

  sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource', {});
}
