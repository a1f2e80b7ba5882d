// Impersonation as kube-apiserver does it: each Impersonate-* header needs the impersonate verb, then the request runs as that user.
import t from 'tap';
import { makePod, PORTFORWARD_PROTOCOLS, rawRequest, rawUpgrade, startFakeApiServer } from './index.js';

async function setup(t: { teardown(fn: () => unknown): void }) {
  const srv = await startFakeApiServer({ enforceRbac: true });
  t.teardown(() => srv.close());
  srv.auth.addUser('alice-token', { username: 'alice', groups: ['system:authenticated'] });
  srv.pods.add(makePod({ name: 'web', namespace: 'shop', nodeName: 'node-a' }));
  const target = { url: srv.url, caPem: srv.caPem, token: 'alice-token' };
  const get = (headers: Record<string, string | string[]>) => rawRequest(target, 'GET', '/api/v1/namespaces/shop/pods/web', { headers });
  return { srv, get };
}

t.test('without impersonate on users: 403 with the real Status body', async (t) => {
  const { get } = await setup(t);
  const r = await get({ 'Impersonate-User': 'bob' });
  t.equal(r.status, 403);
  t.same(r.json(), {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: 'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope',
    reason: 'Forbidden', details: { name: 'bob', kind: 'users' }, code: 403,
  });
});

t.test('allowed: the request runs as the impersonated user, with system:authenticated', async (t) => {
  const { srv, get } = await setup(t);
  srv.auth.allow({ user: 'alice', verb: 'impersonate', resource: 'users', name: 'bob' });
  t.equal((await get({ 'Impersonate-User': 'bob' })).status, 403, 'bob may not get pods');
  t.match((await get({ 'Impersonate-User': 'bob' })).json().message, 'User "bob" cannot get resource "pods"', 'authorized as bob, not alice');
  srv.auth.allow({ user: 'bob', verb: 'get', resource: 'pods', namespace: 'shop' });
  srv.clearRequests();
  t.equal((await get({ 'Impersonate-User': 'bob' })).status, 200);
  t.match(srv.requests.at(-1), { user: 'alice', impersonatedUser: 'bob', impersonatedGroups: ['system:authenticated'], status: 200 });
  t.equal((await get({ 'Impersonate-User': 'carol' })).status, 403, 'only the user the rule names');
});

t.test('groups: each line is one group, each needs impersonate on groups', async (t) => {
  const { srv, get } = await setup(t);
  srv.auth.allow({ user: 'alice', verb: 'impersonate', resource: 'users' });
  srv.auth.allow({ user: 'alice', verb: 'impersonate', resource: 'groups', name: 'viewers' });
  srv.auth.allow({ group: 'viewers', verb: 'get', resource: 'pods' });
  const denied = await get({ 'Impersonate-User': 'bob', 'Impersonate-Group': ['viewers', 'admins'] });
  t.equal(denied.status, 403);
  t.equal(denied.json().message, 'groups "admins" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope');
  srv.clearRequests();
  t.equal((await get({ 'Impersonate-User': 'bob', 'Impersonate-Group': 'viewers' })).status, 200, 'allowed through the group');
  t.same(srv.requests.at(-1)?.impersonatedGroups, ['viewers', 'system:authenticated']);
  t.equal((await get({ 'Impersonate-User': 'bob' })).status, 403, 'without the group, bob has no access');
});

t.test('a group without a user is the real server\'s 500', async (t) => {
  const { get } = await setup(t);
  const r = await get({ 'Impersonate-Group': 'viewers' });
  t.equal(r.status, 500);
  t.match(r.json(), { reason: 'InternalError', message: /^Internal error occurred: requested \[\{Group  viewers {4}\}\] without impersonating a user$/ });
});

t.test('a service account: impersonate on serviceaccounts in its namespace, and its groups', async (t) => {
  const { srv, get } = await setup(t);
  const sa = { 'Impersonate-User': 'system:serviceaccount:shop:builder' };
  const denied = await get(sa);
  t.equal(denied.status, 403);
  t.equal(denied.json().message, 'serviceaccounts "builder" is forbidden: User "alice" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "shop"');
  srv.auth.allow({ user: 'alice', verb: 'impersonate', resource: 'serviceaccounts', namespace: 'shop' });
  srv.auth.allow({ group: 'system:serviceaccounts:shop', verb: 'get', resource: 'pods' });
  srv.clearRequests();
  t.equal((await get(sa)).status, 200);
  t.same(srv.requests.at(-1)?.impersonatedGroups, ['system:serviceaccounts', 'system:serviceaccounts:shop', 'system:authenticated']);
});

t.test('the port-forward upgrade is impersonated too: refused 403 before the upgrade, then run as the user', async (t) => {
  const { srv } = await setup(t);
  const target = { url: srv.url, caPem: srv.caPem, token: 'alice-token' };
  const pf = () => rawUpgrade(target, '/api/v1/namespaces/shop/pods/web/portforward?ports=9742', { protocols: [...PORTFORWARD_PROTOCOLS], headers: { 'Impersonate-User': 'bob' } });
  const denied = await pf();
  t.equal(denied.status, 403);
  t.match(JSON.parse(denied.body), { reason: 'Forbidden', message: 'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope' });
  srv.auth.allow({ user: 'alice', verb: 'impersonate', resource: 'users', name: 'bob' });
  srv.auth.allow({ user: 'alice', verb: 'create', resource: 'pods/portforward' });
  const asBob = await pf();
  t.equal(asBob.status, 403, 'bob, not alice, needs create on pods/portforward');
  t.match(JSON.parse(asBob.body).message, 'User "bob" cannot create resource "pods/portforward"');
  srv.auth.allow({ user: 'bob', verb: 'create', resource: 'pods/portforward' });
  const ok = await pf();
  t.teardown(() => ok.close());
  t.equal(ok.status, 101);
  t.match(srv.requests.at(-1), { user: 'alice', impersonatedUser: 'bob' });
});
