// Authorization through the HTTP layer: TokenReview, SubjectAccessReview per route, caches, 401/403/503.
import t from 'tap';
import { agentFor, apiServerFor, demoClusterFor, get } from '../helpers/cluster.js';

t.test('the authorization matrix', async (t) => {
  const { pod, srv, agent } = await demoClusterFor(t);

  const urls = {
    pod: '/v1/pods/shop/web',
    diff: '/v1/pods/shop/web/diff?debugger=debugger',
    ps: '/v1/pods/shop/web/containers/app/processes',
    containers: '/v1/containers',
    container: `/v1/containers/${pod.app.id}`,
    containerPs: `/v1/containers/${pod.app.id}/processes`,
    process: `/v1/processes/${pod.app.pid}`,
  };
  type Who = 'none' | 'bogus-token' | 'nobody-token' | 'viewer-token' | 'debugger-token' | 'admin-token';
  const expect: Record<Who, Record<keyof typeof urls, number>> = {
    none: { pod: 401, diff: 401, ps: 401, containers: 401, container: 401, containerPs: 401, process: 401 },
    'bogus-token': { pod: 401, diff: 401, ps: 401, containers: 401, container: 401, containerPs: 401, process: 401 },
    'nobody-token': { pod: 403, diff: 403, ps: 403, containers: 403, container: 403, containerPs: 403, process: 403 },
    'viewer-token': { pod: 200, diff: 200, ps: 403, containers: 403, container: 403, containerPs: 403, process: 403 },
    'debugger-token': { pod: 200, diff: 200, ps: 200, containers: 403, container: 403, containerPs: 403, process: 403 },
    'admin-token': { pod: 200, diff: 200, ps: 200, containers: 200, container: 200, containerPs: 200, process: 200 },
  };
  for (const [who, row] of Object.entries(expect) as Array<[Who, Record<string, number>]>) {
    for (const [name, status] of Object.entries(row)) {
      const r = await get(agent, urls[name as keyof typeof urls], who === 'none' ? undefined : who);
      t.equal(r.status, status, `${who} ${name}`);
      if (status >= 400) t.type(r.body.error?.message, 'string', `${who} ${name}: JSON error`);
    }
  }

  const denied = await get(agent, urls.ps, 'viewer-token');
  t.equal(denied.body.error.message, 'user "viewer" cannot create pods/exec in namespace "shop" (name "web"): ask for that permission (RBAC)', '403 names the permission');
  const nodeDenied = await get(agent, urls.containers, 'debugger-token');
  t.match(nodeDenied.body.error.message, 'cannot get nodes/proxy (node "node-a")');
  t.match((await get(agent, urls.pod)).body.error.message, 'bearer token is required');
  t.match((await get(agent, urls.pod, 'bogus-token')).body.error.message, 'invalid or expired');

  const sar = srv.auth.subjectAccessReviews.find((r) => r.spec.user === 'dev' && r.spec.resourceAttributes?.subresource === 'exec');
  t.match(sar?.spec, { user: 'dev', groups: ['system:authenticated', 'debuggers'], resourceAttributes: { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web' } });

  t.equal((await agent.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'healthz needs no token');
  t.equal((await agent.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'readyz needs no token');
  t.equal((await agent.metricsApp.inject({ method: 'GET', url: '/metrics' })).statusCode, 200, 'metrics need no token');
});

t.test('decisions are cached: no review per request', async (t) => {
  const srv = await apiServerFor(t);
  const agent = await agentFor(t, srv);
  const before = { tr: srv.auth.tokenReviews.length, sar: srv.auth.subjectAccessReviews.length };
  for (let i = 0; i < 20; i++) {
    await get(agent, '/v1/pods/shop/nope', 'viewer-token');
    await get(agent, '/v1/containers', 'viewer-token');
  }
  t.equal(srv.auth.tokenReviews.length - before.tr, 1, 'one TokenReview for 40 requests');
  t.equal(srv.auth.subjectAccessReviews.length - before.sar, 2, 'one SubjectAccessReview per distinct permission, allowed or denied');
  const m = await agent.metricsApp.inject({ method: 'GET', url: '/metrics' });
  t.match(m.body, /nsinspect_authz_decisions_total\{decision="allowed"\} 20/);
  t.match(m.body, /nsinspect_authz_decisions_total\{decision="denied"\} 20/);
});

t.test('an unreachable API server gives 503 for unknown tokens, and cached pods keep being served', async (t) => {
  const { srv, agent } = await demoClusterFor(t);
  t.equal((await get(agent, '/v1/pods/shop/web', 'viewer-token')).status, 200);
  srv.setDown(true, 'reset');
  const cached = await get(agent, '/v1/pods/shop/web/diff?debugger=debugger', 'viewer-token');
  t.equal(cached.status, 200, 'the last known pods and cached decisions still serve');
  const fresh = await get(agent, '/v1/pods/shop/web', 'debugger-token');
  t.equal(fresh.status, 503);
  t.match(fresh.body.error.message, 'API server is unreachable');
  srv.setDown(false);
  t.equal((await get(agent, '/v1/pods/shop/web', 'debugger-token')).status, 200, 'back when the API server is');
});

t.test('--auth none lets everything through (loopback only, checked by the listener)', async (t) => {
  const srv = await apiServerFor(t);
  const agent = await agentFor(t, srv, { auth: 'none' });
  t.equal((await get(agent, '/v1/containers')).status, 200);
  t.equal(srv.auth.tokenReviews.length, 0);
});
