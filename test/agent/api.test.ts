// The agent's API through app.inject, backed by the fake API server and real runc containers.
import t from 'tap';
import { labFor, waitFor } from '../helpers/lab.js';
import { agentFor, apiServerFor, demoClusterFor, demoPodJson, get } from '../helpers/cluster.js';
import { startDemoPod } from '../../lab/pod.js';
import { makePod } from '../fake-apiserver/index.js';
import { must } from '../helpers/must.js';

t.test('pods, diff, processes and node endpoints', async (t) => {
  const { pod, agent } = await demoClusterFor(t);
  const dev = 'debugger-token';

  const p = await get(agent, '/v1/pods/shop/web', dev);
  t.equal(p.status, 200, 'pod view');
  t.same(p.body.containers.map((c: { name: string; kind: string }) => [c.name, c.kind]), [
    ['(sandbox)', 'sandbox'], ['app', 'app'], ['debugger', 'ephemeral'], ['debugger-notarget', 'ephemeral'],
  ]);
  t.equal(p.body.containers[0].containerID, pod.sandbox.id, 'the sandbox is found by the engine');
  t.equal(p.body.containers[1].pid, pod.app.pid);
  t.same(p.body.sharing.net, [['(sandbox)', 'app', 'debugger', 'debugger-notarget']]);
  t.same(p.body.sharing.pid, [['app', 'debugger'], ['(sandbox)'], ['debugger-notarget']]);
  t.same(p.body.containers[2].owners, { cgroup: 'private', ipc: 'sandbox', mnt: 'private', net: 'sandbox', pid: 'target', time: 'host', user: 'host', uts: 'sandbox' });
  t.same(p.body.mismatches, [], 'a healthy pod matches its spec');

  const d = await get(agent, '/v1/pods/shop/web/diff?debugger=debugger', dev);
  t.equal(d.status, 200);
  t.equal(d.body.targetContainer, 'app', 'target defaults to targetContainerName');
  t.same(d.body.shared, ['ipc', 'net', 'pid', 'time', 'user', 'uts']);
  t.same(d.body.notShared, ['cgroup', 'mnt']);
  t.equal(d.body.target.ref, 'shop/web/app');

  const n = await get(agent, '/v1/pods/shop/web/diff?debugger=debugger-notarget', dev);
  t.equal(n.body.targetContainer, 'app', 'no target: the only app container');
  t.equal(n.body.findings[0].code, 'NO_TARGET');

  const ps = await get(agent, '/v1/pods/shop/web/containers/app/processes', dev);
  t.equal(ps.status, 200);
  t.equal(ps.body.processes.length, 4);
  t.equal(ps.body.processes[0].nspid, 1);

  const all = await get(agent, '/v1/containers', 'admin-token');
  t.equal(all.status, 200);
  const app = all.body.items.find((c: { containerID: string }) => c.containerID === pod.app.id);
  t.match(app, { runtime: 'containerd', pid: pod.app.pid, podUID: pod.uid, podNamespace: 'shop', podName: 'web', containerName: 'app' });

  const one = await get(agent, `/v1/containers/${pod.debugger.id.slice(0, 12)}`, 'admin-token');
  t.match(one.body, { containerID: pod.debugger.id, containerName: 'debugger' });
  const cps = await get(agent, `/v1/containers/${pod.app.id}/processes`, 'admin-token');
  t.equal(cps.body.processes.length, 4);
  const who = await get(agent, `/v1/processes/${pod.debugger.pid}`, 'admin-token');
  t.match(who.body, { pid: pod.debugger.pid, containerID: pod.debugger.id, podUID: pod.uid, podNamespace: 'shop', podName: 'web', containerName: 'debugger' });
});

t.test('diff errors: candidates, unknown names, a container that is not running', async (t) => {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const srv = await apiServerFor(t);
  const two = demoPodJson(pod, 'two');
  two.spec.containers.push({ name: 'sidecar', image: 'busybox:1.36' });
  two.status!.containerStatuses!.push({ name: 'sidecar', image: 'busybox:1.36', imageID: '', ready: false, restartCount: 0, lastState: {}, state: { waiting: { reason: 'CrashLoopBackOff' } } });
  srv.pods.add(two);
  const agent = await agentFor(t, srv);
  const dev = 'debugger-token';

  const amb = await get(agent, '/v1/pods/shop/two/diff?debugger=debugger-notarget', dev);
  t.equal(amb.status, 400);
  t.same(amb.body.error.details.candidates, ['app', 'sidecar']);
  const stopped = await get(agent, '/v1/pods/shop/two/diff?debugger=debugger-notarget&target=sidecar', dev);
  t.equal(stopped.status, 409);
  t.match(stopped.body.error.message, 'container sidecar of pod shop/two is waiting, not running');
  const unknown = await get(agent, '/v1/pods/shop/two/diff?debugger=nope', dev);
  t.equal(unknown.status, 404);
  t.same(unknown.body.error.details.candidates, ['app', 'sidecar', 'debugger', 'debugger-notarget']);
  t.equal((await get(agent, '/v1/pods/shop/absent', dev)).status, 404);
  t.equal((await get(agent, '/v1/pods/shop/two/containers/sidecar/processes', dev)).status, 409);
});

t.test('the pod view follows the watch: restarts, deletion', async (t) => {
  const { lab, pod, srv, agent } = await demoClusterFor(t);
  const dev = 'debugger-token';
  t.equal((await get(agent, '/v1/pods/shop/web/containers/app/processes', dev)).body.processes[0].pid, pod.app.pid);

  // The app restarts: a new container with a new PID, announced by a MODIFIED event.
  const { startPodContainer } = await import('../../lab/pod.js');
  const again = await startPodContainer(lab, pod.layout, pod.podPath, ['sleep', '2147483647'], { net: pod.sandbox.pid, ipc: pod.sandbox.pid, uts: pod.sandbox.pid });
  await lab.kill(pod.app.id);
  srv.pods.update('shop', 'web', (p) => {
    const app = must(p.status?.containerStatuses?.[0], "the app's container status");
    app.containerID = `containerd://${again.id}`;
    app.restartCount = 1;
  });
  const after = await waitFor('the restarted app', async () => {
    const r = await get(agent, '/v1/pods/shop/web/containers/app/processes', dev);
    return r.status === 200 && r.body.processes[0]?.pid === again.pid ? r : undefined;
  });
  t.equal(after.body.processes[0].nspid, 1);

  srv.pods.delete('shop', 'web');
  await waitFor('deletion', () => (agent.pods?.get('shop', 'web') ? undefined : true));
  t.equal((await get(agent, '/v1/pods/shop/web', dev)).status, 404);
});

t.test('pods not on this node are not served', async (t) => {
  const srv = await apiServerFor(t);
  srv.pods.add(makePod({ name: 'elsewhere', namespace: 'shop', nodeName: 'node-b' }));
  const agent = await agentFor(t, srv);
  const r = await get(agent, '/v1/pods/shop/elsewhere', 'debugger-token');
  t.equal(r.status, 404);
  t.match(r.body.error.message, 'is not on node node-a');
  const selected = (verb: string) => srv.requests.some((q) => q.verb === verb && q.path === '/api/v1/pods' && decodeURIComponent(q.query).includes('fieldSelector=spec.nodeName=node-a'));
  t.ok(selected('GET'), 'the list asks only for this node');
  t.ok(selected('WATCH'), 'the watch asks only for this node');
});
