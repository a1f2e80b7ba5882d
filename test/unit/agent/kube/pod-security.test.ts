// PodSecurityReader against the fake API server: the enforce label read over HTTP, and 403/404/no label said as unknown.
import t from 'tap';
import { startFakeApiServer, rawRequest } from '../../../fake-apiserver/index.js';
import { kubeconfigClient } from '../../../../agent/kube/client.js';
import { PSS_TTL, PodSecurityReader } from '../../../../agent/kube/pod-security.js';

const ENFORCE = 'pod-security.kubernetes.io/enforce';
const AGENT = 'system:serviceaccount:nsinspect:nsinspect';

t.test('levels from the label; unknown (with why) for no label, a bad value, no namespace, and 403', async (t) => {
  const srv = await startFakeApiServer({ enforceRbac: true });
  t.teardown(() => srv.close());
  srv.auth.allow({ user: AGENT, verb: 'get', resource: 'namespaces' });
  srv.namespaces.set('shop', { [ENFORCE]: 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.31' });
  srv.namespaces.set('lab', { [ENFORCE]: 'baseline' });
  srv.namespaces.set('plain');
  srv.namespaces.set('odd', { [ENFORCE]: 'strict' });
  const reader = new PodSecurityReader(await kubeconfigClient(srv.kubeconfigPath));
  t.same(await reader.level('shop'), { namespace: 'shop', enforce: 'restricted', version: 'v1.31' });
  t.same(await reader.level('lab'), { namespace: 'lab', enforce: 'baseline' });
  t.match(await reader.level('plain'), { enforce: 'unknown', why: /no pod-security.kubernetes.io\/enforce label/ }, 'no label: the cluster default, which the API does not show');
  t.match(await reader.level('odd'), { enforce: 'unknown', why: /"strict" is not a level/ });
  t.match(await reader.level('gone'), { enforce: 'unknown', why: /not found \(HTTP 404\)/ });

  srv.auth.clearPolicy();
  const denied = new PodSecurityReader(await kubeconfigClient(srv.kubeconfigPath));
  t.match(await denied.level('shop'), { enforce: 'unknown', why: /HTTP 403/ }, 'forbidden is unknown, not allowed');
  t.equal(srv.requests.filter((r) => r.path === '/api/v1/namespaces/shop').at(-1)?.status, 403);
});

t.test('the fake answers like kube-apiserver: a Namespace with the name label, a 404 Status when absent', async (t) => {
  const srv = await startFakeApiServer();
  t.teardown(() => srv.close());
  srv.namespaces.set('shop', { [ENFORCE]: 'baseline' });
  const ok = await rawRequest(srv, 'GET', '/api/v1/namespaces/shop');
  t.equal(ok.status, 200);
  t.match(JSON.parse(ok.body), { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'shop', labels: { [ENFORCE]: 'baseline', 'kubernetes.io/metadata.name': 'shop' } }, status: { phase: 'Active' } });
  const nf = await rawRequest(srv, 'GET', '/api/v1/namespaces/nope');
  t.equal(nf.status, 404);
  t.same(JSON.parse(nf.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'namespaces "nope" not found', reason: 'NotFound', details: { name: 'nope', kind: 'namespaces' }, code: 404 });
});

t.test('answers are cached: a known level for a minute, an unknown one for less', async (t) => {
  const srv = await startFakeApiServer();
  t.teardown(() => srv.close());
  srv.namespaces.set('shop', { [ENFORCE]: 'baseline' });
  const clock = { ms: 0 };
  const reader = new PodSecurityReader(await kubeconfigClient(srv.kubeconfigPath), { now: () => clock.ms });
  const gets = (ns: string) => srv.requests.filter((r) => r.path === `/api/v1/namespaces/${ns}`).length;
  await reader.level('shop');
  await reader.level('shop');
  await reader.level('nope');
  await reader.level('nope');
  t.equal(gets('shop'), 1);
  t.equal(gets('nope'), 1);
  clock.ms += PSS_TTL.unknown;
  await reader.level('shop');
  await reader.level('nope');
  t.equal(gets('shop'), 1, 'a known level is still cached');
  t.equal(gets('nope'), 2, 'an unknown one is asked again');
  srv.namespaces.set('shop', { [ENFORCE]: 'restricted' });
  clock.ms += PSS_TTL.known;
  t.equal((await reader.level('shop')).enforce, 'restricted', 'a changed label is seen after the TTL');
});
