// The metrics listener: /metrics behind TokenReview + SubjectAccessReview (get on the nonResourceURL /metrics), open probes, the API's error shape.
import t from 'tap';
import type { Test } from 'tap';
import { buildAgent, type Agent } from '../../agent/server/compose.js';
import { apiServerFor, NODE } from '../helpers/cluster.js';
import type { FakeApiServer } from '../fake-apiserver/index.js';
import { waitFor } from '../helpers/lab.js';

const PROMETHEUS = 'system:serviceaccount:monitoring:prometheus';

async function setup(t: Test, metricsAuth: 'kubernetes' | 'none' = 'kubernetes'): Promise<{ srv: FakeApiServer; agent: Agent }> {
  const srv = await apiServerFor(t);
  srv.auth.addUser('prometheus-token', { username: PROMETHEUS, groups: ['system:serviceaccounts', 'system:authenticated'] });
  srv.auth.allow({ user: PROMETHEUS, verb: 'get', nonResourceURLs: ['/metrics'] });
  const agent = await buildAgent({ kubeconfig: srv.kubeconfigPath, nodeName: NODE, auth: 'kubernetes', metricsAuth, metricsContainerInodes: false, nodeScanIntervalMs: 60_000 }, false);
  t.teardown(() => agent.close());
  agent.start();
  await waitFor('the first pod sync', () => (agent.pods?.synced() ? true : undefined), 10_000);
  return { srv, agent };
}

async function scrape(agent: Agent, url: string, token?: string, method: 'GET' | 'POST' | 'DELETE' = 'GET') {
  const r = await agent.metricsApp.inject({ method, url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: r.statusCode, type: String(r.headers['content-type']), allow: r.headers.allow, body: r.body, json: () => r.json() };
}

t.test('--metrics-auth kubernetes: 401 without a valid token, 403 without the RBAC rule, 200 with it', async (t) => {
  const { srv, agent } = await setup(t);
  const none = await scrape(agent, '/metrics');
  t.equal(none.status, 401, 'no token');
  t.match(none.type, 'application/json');
  t.same(none.json(), { error: { code: 'UNAUTHENTICATED', message: 'a bearer token is required: send Authorization: Bearer <token>' } });
  const bogus = await scrape(agent, '/metrics', 'bogus-token');
  t.equal(bogus.status, 401, 'an unknown token');
  t.equal(bogus.json().error.code, 'UNAUTHENTICATED');

  const viewer = await scrape(agent, '/metrics', 'viewer-token');
  t.equal(viewer.status, 403, 'a valid token whose user may not get /metrics');
  t.equal(viewer.json().error.code, 'FORBIDDEN');
  t.match(viewer.json().error.message, /user "viewer" cannot get the nonResourceURL \/metrics/);
  t.notMatch(viewer.body, /nsinspect_/, 'no metric leaks in the answer');
  const sar = srv.auth.subjectAccessReviews.find((r) => r.spec.user === 'viewer' && r.spec.nonResourceAttributes);
  t.same(sar?.spec.nonResourceAttributes, { path: '/metrics', verb: 'get' }, 'the SubjectAccessReview kube-rbac-proxy sends');
  t.equal(sar?.spec.resourceAttributes, undefined);

  const before = { tr: srv.auth.tokenReviews.length, sar: srv.auth.subjectAccessReviews.length };
  const ok = await scrape(agent, '/metrics', 'prometheus-token');
  t.equal(ok.status, 200, 'the scraper bound to nonResourceURLs ["/metrics"], verbs ["get"]');
  t.match(ok.type, 'text/plain; version=0.0.4');
  t.match(ok.body, /^nsinspect_build_info\{/m);
  t.equal((await scrape(agent, '/metrics', 'prometheus-token')).status, 200);
  t.equal(srv.auth.tokenReviews.length - before.tr, 1, 'the token is reviewed once for two scrapes');
  t.equal(srv.auth.subjectAccessReviews.length - before.sar, 1, 'and the decision checked once');
});

t.test('the kubelet probes stay open; the API port is unchanged', async (t) => {
  const { agent } = await setup(t);
  t.equal((await scrape(agent, '/healthz')).status, 200, 'healthz without a token');
  const ready = await scrape(agent, '/readyz');
  t.equal(ready.status, 200, 'readyz without a token');
  t.same(ready.json(), { status: 'ready', pods: 'synced' });
  t.equal((await agent.app.inject({ method: 'GET', url: '/v1/pods/shop/web' })).statusCode, 401, '--auth still guards the API');
});

t.test('every error on the metrics port has the API\'s shape: 404, 405, 503', async (t) => {
  const { srv, agent } = await setup(t);
  const nf = await scrape(agent, '/nope');
  t.equal(nf.status, 404);
  t.same(nf.json(), { error: { code: 'NOT_FOUND', message: 'no route GET /nope' } });
  for (const [method, url] of [['POST', '/metrics'], ['DELETE', '/healthz'], ['POST', '/readyz']] as const) {
    const r = await scrape(agent, url, undefined, method);
    t.equal(r.status, 405, `${method} ${url}`);
    t.equal(r.allow, 'GET, HEAD');
    t.same(r.json(), { error: { code: 'METHOD_NOT_ALLOWED', message: `${method} is not allowed on ${url}: use GET` } });
  }
  const bad = await agent.metricsApp.inject({ method: 'GET', url: '/metrics%zz' });
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().error.code, 'INVALID');
  // A token never seen while the API server is down cannot be verified: 503, not a crash, not open.
  srv.setDown(true, 'reset');
  srv.auth.addUser('late-token', { username: PROMETHEUS, groups: [] });
  const down = await scrape(agent, '/metrics', 'late-token');
  t.equal(down.status, 503);
  t.same(down.json(), { error: { code: 'UNAVAILABLE', message: 'cannot verify the token: the API server is unreachable' } });
});

t.test('--metrics-auth none (the default): /metrics needs no token', async (t) => {
  const { srv, agent } = await setup(t, 'none');
  const before = srv.auth.tokenReviews.length;
  t.equal((await scrape(agent, '/metrics')).status, 200);
  t.equal(srv.auth.tokenReviews.length, before, 'no review');
});

t.test('decisions on the metrics port are counted, denials logged (never the token), failures rate-limited like the API\'s', async (t) => {
  const srv = await apiServerFor(t);
  srv.auth.addUser('prometheus-token', { username: PROMETHEUS, groups: ['system:serviceaccounts', 'system:authenticated'] });
  srv.auth.allow({ user: PROMETHEUS, verb: 'get', nonResourceURLs: ['/metrics'] });
  const log: string[] = [];
  const agent = await buildAgent(
    { kubeconfig: srv.kubeconfigPath, nodeName: NODE, auth: 'kubernetes', metricsAuth: 'kubernetes', metricsContainerInodes: false, nodeScanIntervalMs: 60_000, metricsCacheMs: 0 },
    { level: 'info', stream: { write: (line: string) => void log.push(line) } },
  );
  t.teardown(() => agent.close());
  agent.start();
  await waitFor('the first pod sync', () => (agent.pods?.synced() ? true : undefined), 10_000);
  t.equal((await scrape(agent, '/metrics', 'viewer-token')).status, 403);
  t.equal((await scrape(agent, '/metrics', 'bogus-token')).status, 401);
  const body = (await scrape(agent, '/metrics', 'prometheus-token')).body;
  const n = (d: string): number => Number(new RegExp(`^nsinspect_authz_decisions_total\\{decision="${d}"\\} (\\d+)`, 'm').exec(body)?.[1] ?? 0);
  t.ok(n('denied') >= 1, 'the 403 counted');
  t.ok(n('unauthenticated') >= 1, 'the 401 counted');
  t.ok(n('allowed') >= 1, 'the allowed scrape counted');
  const denials = log.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.component === 'auth');
  t.ok(denials.some((l) => l.status === 403 && l.user === 'viewer'), 'the 403 logged with the user');
  t.ok(denials.some((l) => l.status === 401), 'the 401 logged');
  t.notMatch(log.join('\n'), /viewer-token|bogus-token|prometheus-token/, 'no token in the log');
  // Random tokens from one address: the same failure limit as the API, then 429 without a TokenReview.
  const statuses: number[] = [];
  for (let i = 0; i < 200; i++) statuses.push((await scrape(agent, '/metrics', `random-${i}`)).status);
  t.ok(statuses.includes(429), 'failures from one address are limited: 429');
  t.same([...new Set(statuses)].sort(), [401, 429], 'only 401 and 429');
});
