// The pod routes over fixture /proc trees and a fake pod directory, through app.inject: the pod view, the debugger diff, a pod container's ps; without root.
import t from 'tap';
import { fixtureApp } from '../../../../helpers/fixture-app.js';
import { APP, DBG, NS, POD_UID, SB } from '../../../../helpers/fixture-node.js';
import { HOST_NS } from '../../../../helpers/proc-fixture.js';

const LAYOUTS = [
  { layout: 'v2', runtime: 'containerd', driver: 'systemd' },
  { layout: 'v1', runtime: 'containerd', driver: 'cgroupfs' },
  { layout: 'v2', runtime: 'cri-o', driver: 'systemd' },
] as const;

for (const l of LAYOUTS) {
  t.test(`${l.runtime}, ${l.driver} driver, cgroup ${l.layout}`, async (t) => {
    const { app } = await fixtureApp(t, l.layout, l.runtime, l.driver);
    const get = async (url: string) => app.inject({ method: 'GET', url });

    const view = await get('/v1/pods/shop/web');
    t.equal(view.statusCode, 200);
    const pod = view.json();
    t.match(pod, { namespace: 'shop', name: 'web', uid: POD_UID, node: 'node-1', mismatches: [] });
    t.same(pod.containers.map((c: { name: string; containerID: string; pid: number; state: string }) => [c.name, c.containerID, c.pid, c.state]), [['(sandbox)', SB, 100, 'running'], ['app', APP, 200, 'running'], ['dbg', DBG, 300, 'running']], 'the sandbox found from the cgroups, first');
    t.same(pod.containers[2].owners, { cgroup: 'private', ipc: 'sandbox', mnt: 'private', net: 'sandbox', pid: 'target', time: 'host', user: 'host', uts: 'sandbox' }, 'whose namespace the debugger is in');
    t.same(pod.sharing.pid, [['app', 'dbg'], ['(sandbox)']]);
    t.same(pod.sharing.net, [['(sandbox)', 'app', 'dbg']]);
    t.same(pod.containers[2].access, { target: 'app', ptrace: 'yes', readRoot: 'yes' }, 'credentials read from the fixture');

    const diff = await get('/v1/pods/shop/web/diff?debugger=dbg');
    t.equal(diff.statusCode, 200);
    t.equal(diff.headers['content-type'], 'application/json; charset=utf-8');
    t.equal((await get('/v1/pods/shop/web/diff?debugger=dbg')).body, diff.body, 'a second diff from the same snapshot: the same bytes');
    t.equal((await get('/v1/pods/shop/web')).body, view.body, 'the pod view too');
    const d = diff.json();
    t.match(d, {
      pod: { namespace: 'shop', name: 'web', uid: POD_UID },
      targetContainer: 'app',
      debuggerContainer: 'dbg',
      target: { ref: 'shop/web/app', pid: 200, containerID: APP, podUID: POD_UID },
      debugger: { ref: 'shop/web/dbg', pid: 300, containerID: DBG, podUID: POD_UID },
      shared: ['ipc', 'net', 'pid', 'time', 'user', 'uts'],
      notShared: ['cgroup', 'mnt'],
      mismatches: [],
    }, 'the debugger’s target from its targetContainerName');
    t.same(d.namespaces.find((r: { type: string }) => r.type === 'pid'), { type: 'pid', target: NS.appPid, debugger: NS.appPid, shared: true, with: 'target' });
    t.same(d.namespaces.find((r: { type: string }) => r.type === 'user'), { type: 'user', target: HOST_NS.user, debugger: HOST_NS.user, shared: true, with: 'host' });
    t.same(d.findings.map((f: { code: string }) => f.code), ['TARGET_PID_SHARED', 'MNT_PRIVATE']);
    t.match(d.findings[1].message, /from the host: \/proc\/200\/root/, 'the target’s host pid in the hint');
    t.same(d.access.map((a: { op: string; allowed: string }) => [a.op, a.allowed]), [['see-processes', 'yes'], ['signal', 'yes'], ['ptrace', 'yes'], ['read-root', 'yes'], ['read-environ', 'yes'], ['capture-packets', 'yes']]);
    t.same(d.layers.filter((r: { agree: boolean }) => !r.agree), [], 'spec and kernel agree everywhere');

    const named = await get('/v1/pods/shop/web/diff?debugger=app&target=dbg');
    t.match(named.json(), { targetContainer: 'dbg', debuggerContainer: 'app', target: { pid: 300 }, debugger: { pid: 200 } }, 'target= names the other side');
    const nope = await get('/v1/pods/shop/web/diff?debugger=nope');
    t.equal(nope.statusCode, 404);
    t.same(nope.json().error, { code: 'NOT_FOUND', message: 'pod shop/web has no container nope', details: { candidates: ['app', 'dbg'] } });
    const other = await get('/v1/pods/shop/other/diff?debugger=dbg');
    t.equal(other.statusCode, 404);
    t.equal(other.json().error.message, 'pod shop/other is not on node node-1');

    const ps = await get('/v1/pods/shop/web/containers/dbg/processes');
    t.equal(ps.statusCode, 200);
    t.same(ps.json().processes.map((p: { pid: number; owner: unknown }) => [p.pid, p.owner]), [
      [200, { kind: 'container', containerID: APP }], [201, { kind: 'container', containerID: APP }],
      [300, { kind: 'container', containerID: DBG }], [400, { kind: 'host-entered' }],
    ], 'the debugger’s pid namespace is the app’s');
  });
}

t.test('a pod status naming another pod’s container: missing in the view, 409 for its ps', async (t) => {
  const { app, pod } = await fixtureApp(t, 'v2', 'containerd', 'systemd');
  // Whoever may write this pod's status points its container at a container of another pod.
  pod.uid = '99999999-8888-7777-6666-555555555555';
  const view = await app.inject({ method: 'GET', url: '/v1/pods/shop/web' });
  t.equal(view.statusCode, 200);
  t.same(view.json().containers.map((c: { name: string; state: string; pid?: number }) => [c.name, c.state, c.pid]), [['app', 'missing', undefined], ['dbg', 'missing', undefined]], 'not this pod’s to show');
  const ps = await app.inject({ method: 'GET', url: '/v1/pods/shop/web/containers/app/processes' });
  t.equal(ps.statusCode, 409);
  t.equal(ps.json().error.code, 'CONFLICT');
});
