// Attack suite, authorization: pod-level users never get exec (it is root on the node), and a pod's status cannot redirect a request into another pod's container.
import t from 'tap';
import { apiServerFor, agentFor, demoPodJson, NODE } from '../helpers/cluster.js';
import { labFor } from '../helpers/lab.js';
import { startDemoPod } from '../../lab/pod.js';
import type { Agent } from '../../agent/server/compose.js';
import { attachURL, openAttach } from '../../cli/cluster/attach-client.js';

type Reply = { status: number; body: any };

async function send(agent: Agent, method: 'GET' | 'POST', url: string, token: string, payload?: object): Promise<Reply> {
  const r = await agent.app.inject({ method, url, ...(payload ? { payload } : {}), headers: { authorization: `Bearer ${token}` } });
  let body: unknown;
  try {
    body = r.json();
  } catch {
    body = r.body;
  }
  return { status: r.statusCode, body };
}

t.test('exec and attach, every form, as every kind of user', async (t) => {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const srv = await apiServerFor(t);
  // A user who may kubectl exec in shop only (the nsinspect-debugger role bound in one namespace).
  srv.auth.addUser('shop-exec-token', { username: 'shop-dev', groups: ['system:authenticated'] });
  srv.auth.allow({ user: 'shop-dev', verb: 'get', resource: 'pods', namespace: 'shop' });
  srv.auth.allow({ user: 'shop-dev', verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'shop' });
  srv.pods.add(demoPodJson(pod));
  const agent = await agentFor(t, srv);

  const podExec = '/v1/pods/shop/web/containers/app/exec';
  const idExec = `/v1/containers/${pod.app.id}/exec`;
  const podAttach = (ns: string) => `/v1/pods/shop/web/containers/app/attach?command=id&namespaces=${ns}`;
  const idAttach = (ns: string) => `/v1/containers/${pod.app.id}/attach?command=id&namespaces=${ns}`;
  const selections: Array<string | string[]> = ['tools', 'all', ['user'], ['net'], ['mnt', 'pid']];

  for (const token of ['viewer-token', 'debugger-token', 'shop-exec-token', 'nobody-token']) {
    for (const namespaces of selections) {
      for (const url of [podExec, idExec]) {
        const r = await send(agent, 'POST', url, token, { command: ['id'], namespaces });
        t.equal(r.status, 403, `${token} POST ${url} ${JSON.stringify(namespaces)}`);
      }
      const list = Array.isArray(namespaces) ? namespaces.join(',') : namespaces;
      for (const url of [podAttach(list), idAttach(list)]) {
        const r = await send(agent, 'GET', url, token);
        t.equal(r.status, 403, `${token} GET ${url}`);
      }
    }
  }

  const denied = await send(agent, 'POST', podExec, 'debugger-token', { command: ['id'], namespaces: ['user'] });
  t.equal(denied.body.error.message, `user "dev" cannot create nodes/proxy (node "${NODE}"): nsinspect exec runs with the node's privileges (root on the node), so it needs the kubelet's own permission for /exec`);
  t.match(denied.body.error.hint, /kubectl exec.*kubectl debug --target/, 'the 403 says what to use instead');
  t.equal(srv.auth.subjectAccessReviews.filter((r) => r.spec.user === 'dev' && r.spec.resourceAttributes?.resource === 'nodes').length > 0, true, 'the node-level permission was asked of the API server');

  // The node admin may: both permissions are checked, the node's first.
  const before = srv.auth.subjectAccessReviews.length;
  const ok = await send(agent, 'POST', podExec, 'admin-token', { command: ['true'], namespaces: 'all' });
  t.equal(ok.status, 200, 'node admin: pod-addressed exec');
  const asked = srv.auth.subjectAccessReviews.slice(before).map((r) => `${r.spec.resourceAttributes?.verb} ${r.spec.resourceAttributes?.resource}/${r.spec.resourceAttributes?.subresource}`);
  t.same(asked, ['create nodes/proxy', 'create pods/exec'], 'the audit trail names both permissions');
  t.equal((await send(agent, 'POST', idExec, 'admin-token', { command: ['true'] })).status, 200, 'node admin: exec by container ID');
  const base = await agent.app.listen({ host: '127.0.0.1', port: 0 });
  const conn = await openAttach(attachURL(base, '/v1/pods/shop/web/containers/app/attach', { command: ['true'], tty: false, namespaces: 'all' }), 'admin-token', NODE, { stdout: () => undefined, stderr: () => undefined });
  t.ok(conn, 'node admin: attach opens');
  conn.close();
});

t.test("a pod's status naming another pod's container: 409, never a redirect", async (t) => {
  const lab = await labFor(t);
  const victim = await startDemoPod(lab);
  const srv = await apiServerFor(t);
  srv.auth.addUser('mallory-token', { username: 'mallory', groups: ['system:authenticated'] });
  srv.auth.allow({ user: 'mallory', verb: 'get', resource: 'pods', namespace: 'attacker' });
  srv.auth.allow({ user: 'mallory', verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'attacker' });
  srv.pods.add(demoPodJson(victim));
  // Mallory may write her own pod's status: every containerID points at the victim's containers.
  const forged = demoPodJson(victim, 'decoy', 'attacker');
  forged.metadata.uid = '0badc0de-0000-4000-8000-000000000000';
  srv.pods.add(forged);
  const agent = await agentFor(t, srv);

  for (const url of ['/v1/pods/attacker/decoy/diff?debugger=debugger', '/v1/pods/attacker/decoy/containers/app/processes', '/v1/pods/attacker/decoy/access?debugger=debugger']) {
    const r = await send(agent, 'GET', url, 'mallory-token');
    t.equal(r.status, 409, url);
    t.equal(r.body.error.code, 'CONFLICT', `${url}: code`);
    t.match(r.body.error.message, /belongs to the pod with UID .* not to this pod/, `${url}: says why`);
  }
  const view = await send(agent, 'GET', '/v1/pods/attacker/decoy', 'mallory-token');
  t.equal(view.status, 200, 'the pod view still answers');
  for (const c of view.body.containers) {
    t.equal(c.state, 'missing', `${c.name}: shown as missing, not as the victim's container`);
    t.same(c.namespaces, {}, `${c.name}: none of the victim's namespaces`);
  }
  // Even a node admin's exec by pod is refused: the pod name must not lead elsewhere.
  srv.auth.allow({ user: 'node-admin', verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'attacker' });
  const ex = await send(agent, 'POST', '/v1/pods/attacker/decoy/containers/app/exec', 'admin-token', { command: ['true'] });
  t.equal(ex.status, 409, 'exec by a forged pod: 409');
  t.equal((await send(agent, 'GET', '/v1/pods/shop/web/diff?debugger=debugger', 'debugger-token')).status, 200, 'the real pod is unaffected');
});
