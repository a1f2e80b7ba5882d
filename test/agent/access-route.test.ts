// GET /v1/pods/:ns/:pod/access through app.inject: real runc containers, the fake API server's RBAC.
import t from 'tap';
import { demoClusterFor, get } from '../helpers/cluster.js';

t.test('a pod debugger\'s access to its target, with pods/exec rights only', async (t) => {
  const { pod, agent } = await demoClusterFor(t);
  const r = await get(agent, '/v1/pods/shop/web/access?debugger=debugger', 'debugger-token');
  t.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300));
  t.match(r.body, { pod: { namespace: 'shop', name: 'web' }, targetContainer: 'app', debuggerContainer: 'debugger' });
  t.equal(r.body.target.ref, 'shop/web/app');
  t.equal(r.body.target.pid, pod.app.pid);
  t.same(r.body.verdicts.map((v: { op: string }) => v.op), ['see-processes', 'signal', 'ptrace', 'read-root', 'read-environ', 'capture-packets']);
  t.equal(r.body.verdicts[0].allowed, 'yes', 'kubectl debug --target shares the pid namespace');
  t.ok(r.body.verdicts.every((v: { checks: unknown[] }) => v.checks.length > 0), 'each with its walk');
  t.ok(Array.isArray(r.body.debugger.privileges.caps.effective.names));

  const d = await get(agent, '/v1/pods/shop/web/diff?debugger=debugger', 'debugger-token');
  t.same(d.body.access.map((v: { op: string }) => v.op), r.body.verdicts.map((v: { op: string }) => v.op), 'the pod diff carries the short form');

  // The pod view marks what each targeted debugger can do, as the full answer says it.
  const view = await get(agent, '/v1/pods/shop/web', 'debugger-token');
  const byName = (n: string) => view.body.containers.find((c: { name: string }) => c.name === n);
  const verdictOf = (op: string) => r.body.verdicts.find((v: { op: string }) => v.op === op);
  t.match(byName('debugger').access, { target: 'app', ptrace: verdictOf('ptrace').allowed, readRoot: verdictOf('read-root').allowed });
  t.equal(byName('debugger').access.ptraceBlockedBy, verdictOf('ptrace').blockedBy);
  t.equal(byName('debugger-notarget').access, undefined, 'no target, no mark');
  t.equal(byName('app').access, undefined);

  t.equal((await get(agent, '/v1/pods/shop/web/access?debugger=debugger', 'viewer-token')).status, 403, 'get pods alone is not enough');
  t.equal((await get(agent, '/v1/pods/shop/web/access?debugger=nope', 'debugger-token')).status, 404, 'an unknown container');
  t.equal((await get(agent, '/v1/pods/shop/web/access', 'debugger-token')).status, 400, 'debugger is required');
});

t.test('fixes are judged against the namespace\'s Pod Security label, read through the API server', async (t) => {
  const { srv, agent } = await demoClusterFor(t);
  srv.namespaces.set('shop', { 'pod-security.kubernetes.io/enforce': 'baseline' });
  const r = await get(agent, '/v1/pods/shop/web/access?debugger=debugger-notarget', 'debugger-token');
  t.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300));
  type V = { op: string; allowed: string; fix?: string; podSecurity?: { level: string; allowed: string; reason: string } };
  const fixed = (r.body.verdicts as V[]).filter((v) => v.fix);
  t.ok(fixed.length > 0, 'the debugger without --target is blocked somewhere');
  for (const v of fixed) t.equal(v.podSecurity?.level, 'baseline', `${v.op}: judged against baseline`);
  t.equal(srv.requests.filter((q) => q.path === '/api/v1/namespaces/shop').length, 1, 'one GET of the namespace');
  const d = await get(agent, '/v1/pods/shop/web/diff?debugger=debugger-notarget', 'debugger-token');
  t.same((d.body.access as V[]).map((v) => v.podSecurity), (r.body.verdicts as V[]).map((v) => v.podSecurity), 'the diff\'s short form says the same');
  t.equal(srv.requests.filter((q) => q.path === '/api/v1/namespaces/shop').length, 1, 'the label is cached');

  srv.namespaces.delete('shop');
  const u = await get(agent, '/v1/pods/other/none/access?debugger=x', 'debugger-token');
  t.equal(u.status, 404, 'a pod not on this node: no namespace read at all');
  t.equal(srv.requests.filter((q) => q.path === '/api/v1/namespaces/other').length, 0);
});
