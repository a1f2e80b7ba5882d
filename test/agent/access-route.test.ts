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

  t.equal((await get(agent, '/v1/pods/shop/web/access?debugger=debugger', 'viewer-token')).status, 403, 'get pods alone is not enough');
  t.equal((await get(agent, '/v1/pods/shop/web/access?debugger=nope', 'debugger-token')).status, 404, 'an unknown container');
  t.equal((await get(agent, '/v1/pods/shop/web/access', 'debugger-token')).status, 400, 'debugger is required');
});
