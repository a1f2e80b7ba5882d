// Bad input and a misbehaving API server: never a 500, never a crash; metrics that promtool accepts.
import t from 'tap';
import { execa } from 'execa';
import { labFor, waitFor } from '../helpers/lab.js';
import { agentFor, apiServerFor, demoPodJson, get } from '../helpers/cluster.js';
import { startDemoPod } from '../../lab/pod.js';

t.test('hundreds of malformed paths, IDs, names and queries', async (t) => {
  const srv = await apiServerFor(t);
  const agent = await agentFor(t, srv, { auth: 'none' });
  const bad = [
    '', '-', '..', '%2e%2e', '%00', 'A', 'UPPER', 'a_b', 'a..b', '-a', 'a-', 'x'.repeat(64), 'x'.repeat(300), ';', '$(id)', '`id`', '|', '&&',
    '%0a', '%0d%0a', '%ff', '%', '\u00e9', '%F0%9F%98%80', 'a b', 'a%20b', '1e9', '0x10', '-1', '0', '00', '4194305', '99999999999999999999',
    'abc', 'ABCDEF012345', 'zzzzzzzzzzzz', '0'.repeat(65), "'", '"', '<script>', '{}', '[]', 'null', 'undefined', 'NaN', 'Infinity', '..%2f..%2fetc%2fpasswd',
  ];
  const templates = [
    (x: string) => `/v1/containers/${x}`, (x: string) => `/v1/containers/${x}/processes`, (x: string) => `/v1/processes/${x}`,
    (x: string) => `/v1/pods/${x}/web`, (x: string) => `/v1/pods/shop/${x}`, (x: string) => `/v1/pods/shop/web/containers/${x}/processes`,
    (x: string) => `/v1/pods/shop/web/diff?debugger=${x}`, (x: string) => `/v1/pods/shop/web/diff?debugger=a&target=${x}`,
    (x: string) => `/v1/pods/shop/web/diff?${x}=1`, (x: string) => `/v1/${x}`, (x: string) => `/${x}`,
  ];
  let n = 0;
  for (const tpl of templates) {
    for (const x of bad) {
      const r = await agent.app.inject({ method: 'GET', url: tpl(x) });
      n++;
      if (r.statusCode >= 500 && r.statusCode !== 503) t.fail(`${tpl(x)} -> ${r.statusCode} ${r.body}`);
      if (r.statusCode !== 200) t.match(r.json(), { error: { code: String, message: String } }, 'the API error shape', { diagnostic: false });
    }
  }
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'] as const) {
    const r = await agent.app.inject({ method, url: '/v1/containers', payload: '{"x":' });
    t.ok(r.statusCode >= 400 && r.statusCode < 500, `${method} -> ${r.statusCode}`);
  }
  const huge = await agent.app.inject({ method: 'GET', url: '/v1/containers', headers: { authorization: 'Bearer ' + 'x'.repeat(10000) } });
  t.ok(huge.statusCode < 500);
  t.ok(n > 500, `${n} malformed requests, none answered 5xx`);
});

t.test('pod endpoints before the first sync answer 503; readyz waits', async (t) => {
  const srv = await apiServerFor(t);
  srv.setDown(true, '503');
  const agent = await agentFor(t, srv, { wait: false });
  const r = await get(agent, '/v1/pods/shop/web', 'viewer-token');
  t.equal(r.status, 503);
  const ready = await agent.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 503);
  t.match(ready.json(), { error: { message: /first pod sync/ } });
  t.equal((await agent.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'alive all the same');
  srv.setDown(false);
  await waitFor('sync after the outage (backoff)', () => (agent.pods?.synced() ? true : undefined), 15_000);
  t.equal((await agent.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
});

t.test('a flapping and slow API server: the watch recovers and sees changes', async (t) => {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const srv = await apiServerFor(t);
  const agent = await agentFor(t, srv);
  for (let i = 0; i < 3; i++) {
    srv.dropWatches();
    srv.setDown(true, 'reset');
    await new Promise((r) => setTimeout(r, 300));
    srv.setDown(false);
  }
  srv.setLatency(300);
  srv.pods.add(demoPodJson(pod));
  await waitFor('the pod added after the flapping', () => agent.pods?.get('shop', 'web'), 20_000);
  t.equal((await get(agent, '/v1/pods/shop/web/diff?debugger=debugger', 'viewer-token')).status, 200);
  // 410 Gone: history expired while the watch was down; the informer relists.
  srv.setLatency(0);
  srv.dropWatches();
  srv.pods.delete('shop', 'web');
  srv.expireHistory({ closeWatches: true });
  await waitFor('the deletion seen through a relist', () => (agent.pods?.get('shop', 'web') ? undefined : true), 20_000);
  const m = await agent.metricsApp.inject({ method: 'GET', url: '/metrics' });
  t.match(m.body, /nsinspect_kube_sync_up 1/);
});

t.test('promtool accepts the metrics, with ephemeral containers and mismatches', async (t) => {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const { startPodContainer } = await import('../../lab/pod.js');
  // A debugger the runtime put in the sandbox's pid namespace: a mismatch to report.
  const broken = await startPodContainer(lab, pod.layout, pod.podPath, ['sleep', '2147483647'], { net: pod.sandbox.pid, ipc: pod.sandbox.pid, uts: pod.sandbox.pid, pid: pod.sandbox.pid });
  const srv = await apiServerFor(t);
  const p = demoPodJson(pod);
  p.spec.ephemeralContainers!.push({ name: 'broken', image: 'busybox:1.36', targetContainerName: 'app' });
  p.status!.ephemeralContainerStatuses!.push({ name: 'broken', image: 'busybox:1.36', imageID: '', ready: false, restartCount: 0, lastState: {}, containerID: `containerd://${broken.id}`, state: { running: { startedAt: '2026-11-25T10:00:00Z' } } });
  srv.pods.add(p);
  const agent = await agentFor(t, srv, { containerInodes: true });
  const text = (await agent.metricsApp.inject({ method: 'GET', url: '/metrics' })).body;
  const check = await execa('promtool', ['check', 'metrics'], { input: text, reject: false });
  t.equal(check.exitCode, 0, `promtool: ${check.stdout}${check.stderr}`);
  t.match(text, /nsinspect_ephemeral_container_info\{namespace="shop",pod="web",container="debugger",target_container="app",image="busybox:1.36"\} 1/);
  t.match(text, /nsinspect_ephemeral_namespace_shared\{namespace="shop",pod="web",container="debugger",target_container="app",type="pid"\} 1/);
  t.match(text, /nsinspect_ephemeral_namespace_shared\{namespace="shop",pod="web",container="broken",target_container="app",type="pid"\} 0/);
  t.match(text, /nsinspect_namespace_mismatch\{namespace="shop",pod="web",container="broken",type="pid",cause="runtime_ignored_target"\} 1/);
  t.match(text, /nsinspect_ephemeral_container_start_time_seconds\{namespace="shop",pod="web",container="broken"\} 1795..../);
  t.match(text, /nsinspect_container_namespace_info\{namespace="shop",pod="web",container="app",type="net",inode="\d+"\} 1/);
  t.match(text, /nsinspect_scrape_success 1/);
  t.match(text, /nsinspect_build_info\{version="0.1.0",nodejs="[\d.]+"\} 1/);
  t.notMatch(text, /pid="\d/, 'no PID labels');
  const diff = await get(agent, '/v1/pods/shop/web/diff?debugger=broken', 'viewer-token');
  t.equal(diff.body.findings[0].code, 'TARGET_IGNORED');
  t.same(diff.body.mismatches.map((m: { cause: string }) => m.cause), ['runtime_ignored_target']);
});
