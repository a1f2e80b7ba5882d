// Fault: the API server vanishes mid-watch, pods change meanwhile, it returns with 410: last-known data, then recovery.
import t from 'tap';
import { demoClusterFor, get, NODE } from '../helpers/cluster.js';
import { waitFor } from '../helpers/lab.js';
import { makePod } from '../fake-apiserver/index.js';
import type { Agent } from '../../agent/server/compose.js';

const syncUp = async (agent: Agent): Promise<string | undefined> =>
  /^nsinspect_kube_sync_up (\d)$/m.exec((await agent.metricsApp.inject({ method: 'GET', url: '/metrics' })).body)?.[1];

t.test('outage mid-watch, changes while down, 410 on return', async (t) => {
  const { pod, srv, agent } = await demoClusterFor(t);
  srv.pods.add(makePod({ name: 'doomed', namespace: 'shop', nodeName: NODE }));
  await waitFor('the second pod', () => agent.pods?.get('shop', 'doomed'), 10_000);
  // Tokens and decisions seen before the outage are cached, as the kubelet caches them.
  t.equal((await get(agent, '/v1/pods/shop/web', 'viewer-token')).status, 200);
  t.equal((await get(agent, `/v1/containers/${pod.app.id}`, 'admin-token')).status, 200);
  t.equal(await syncUp(agent), '1');

  srv.setDown(true, 'reset');
  await waitFor('kube_sync_up 0', async () => ((await syncUp(agent)) === '0' ? true : undefined), 10_000);

  const web = await get(agent, '/v1/pods/shop/web', 'viewer-token');
  t.equal(web.status, 200, 'the pod endpoint serves the last known pod');
  t.equal(web.body.containers.find((c: { name: string }) => c.name === 'app').pid, pod.app.pid, 'with live processes read from the node');
  t.equal((await get(agent, `/v1/containers/${pod.app.id}`, 'admin-token')).status, 200, 'node-local endpoints keep serving');
  t.equal((await get(agent, '/v1/pods/shop/web/diff?debugger=debugger', 'viewer-token')).body.namespaces.find((n: { type: string }) => n.type === 'pid').shared, true);
  const fresh = await get(agent, '/v1/pods/shop/web', 'debugger-token');
  t.equal(fresh.status, 503, 'a token never seen cannot be verified');
  t.match(fresh.body.error.message, /cannot verify the token: the API server is unreachable/);
  const sar = await get(agent, '/v1/pods/shop/doomed', 'viewer-token');
  t.equal(sar.status, 503, 'a permission never checked cannot be checked');
  t.match(sar.body.error.message, /cannot check permissions: the API server is unreachable/);
  t.equal((await agent.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  t.equal((await agent.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'still ready: it serves its last known pods');

  // While it is down: one pod deleted, one added, and the history compacted away.
  srv.pods.delete('shop', 'doomed');
  srv.pods.add(makePod({ name: 'newcomer', namespace: 'shop', nodeName: NODE }));
  srv.expireHistory();
  const lists = srv.requestCounts()['GET /api/v1/pods'] ?? 0;
  await new Promise((r) => setTimeout(r, 1500));
  srv.setDown(false);

  await waitFor('the pod added during the outage', () => agent.pods?.get('shop', 'newcomer'), 30_000);
  await waitFor('the pod deleted during the outage to go', () => (agent.pods?.get('shop', 'doomed') ? undefined : true), 10_000);
  t.ok((srv.requestCounts()['GET /api/v1/pods'] ?? 0) > lists, 'the watch got 410 and relisted');
  await waitFor('kube_sync_up 1', async () => ((await syncUp(agent)) === '1' ? true : undefined), 10_000);
  t.equal((await get(agent, '/v1/pods/shop/doomed', 'viewer-token')).status, 404, 'the deleted pod is gone');
  t.equal((await get(agent, '/v1/pods/shop/newcomer', 'debugger-token')).status, 200, 'new tokens are verified again');
});

t.test('an outage with no changes: the watch resumes without a relist, and says it is up', async (t) => {
  const { srv, agent } = await demoClusterFor(t);
  srv.setDown(true, '503');
  await waitFor('kube_sync_up 0', async () => ((await syncUp(agent)) === '0' ? true : undefined), 10_000);
  await new Promise((r) => setTimeout(r, 1500));
  srv.setDown(false);
  await waitFor('kube_sync_up 1 after the watch resumed', async () => ((await syncUp(agent)) === '1' ? true : undefined), 20_000);
  srv.pods.add(makePod({ name: 'after', namespace: 'shop', nodeName: NODE }));
  await waitFor('a pod added after the outage', () => agent.pods?.get('shop', 'after'), 10_000);
});

t.test('a hanging API server: requests needing it fail in bounded time, the rest is served', async (t) => {
  const { pod, srv, agent } = await demoClusterFor(t);
  t.equal((await get(agent, '/v1/pods/shop/web', 'viewer-token')).status, 200);
  srv.setLatency(60_000);
  const t0 = performance.now();
  const r = await get(agent, '/v1/pods/shop/web', 'debugger-token');
  const ms = performance.now() - t0;
  t.equal(r.status, 503);
  t.match(r.body.error.message, /API server/);
  t.ok(ms < 8_000, `answered in ${Math.round(ms)} ms (TokenReview times out at 5 s)`);
  t.equal((await get(agent, '/v1/pods/shop/web', 'viewer-token')).body.containers.find((c: { name: string }) => c.name === 'app').pid, pod.app.pid, 'cached callers are unaffected');
  srv.setLatency(0);
});
