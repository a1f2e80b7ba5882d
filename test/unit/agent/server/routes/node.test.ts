// The node routes over fixture /proc trees, through app.inject: containers, one container, ps, whois; without root.
import t from 'tap';
import { fixtureApp } from '../../../../helpers/fixture-app.js';
import { APP, DBG, GONE, NS, POD_UID, SB } from '../../../../helpers/fixture-node.js';
import { HOST_NS } from '../../../../helpers/proc-fixture.js';

const LAYOUTS = [
  { layout: 'v2', runtime: 'containerd', driver: 'systemd' },
  { layout: 'v1', runtime: 'cri-o', driver: 'cgroupfs' },
] as const;

const appNs = { ...HOST_NS, net: NS.net, ipc: NS.ipc, uts: NS.uts, pid: NS.appPid, mnt: NS.appMnt, cgroup: NS.appCgroup };

for (const l of LAYOUTS) {
  t.test(`${l.runtime}, cgroup ${l.layout}`, async (t) => {
    const { app } = await fixtureApp(t, l.layout, l.runtime, l.driver);
    const get = async (url: string) => app.inject({ method: 'GET', url });

    const list = await get('/v1/containers');
    t.equal(list.statusCode, 200);
    const items = (list.json() as { items: Array<{ containerID: string }> }).items.sort((a, b) => a.containerID.localeCompare(b.containerID));
    t.same(items.map((c) => c.containerID), [SB, APP, DBG].sort(), 'the running containers; the exited one left out');
    t.same(items.find((c) => c.containerID === APP), { containerID: APP, runtime: l.runtime, pid: 200, namespaces: appNs, podUID: POD_UID, podNamespace: 'shop', podName: 'web', containerName: 'app' }, 'with its pod from the pod directory');
    t.same(items.find((c) => c.containerID === SB), { containerID: SB, runtime: l.runtime, pid: 100, namespaces: { ...HOST_NS, net: NS.net, ipc: NS.ipc, uts: NS.uts, pid: NS.sbPid, mnt: NS.sbMnt, cgroup: NS.sbCgroup }, podUID: POD_UID }, 'the sandbox: no container of the pod’s status');

    const one = await get(`/v1/containers/${DBG.slice(0, 12)}`);
    t.equal(one.statusCode, 200);
    t.match(one.json(), { containerID: DBG, pid: 300, containerName: 'dbg', namespaces: { pid: NS.appPid, net: NS.net, mnt: NS.dbgMnt } }, 'by a 12-hex prefix');

    const exited = await get(`/v1/containers/${GONE}`);
    t.equal(exited.statusCode, 409);
    t.same(exited.json(), { error: { code: 'NOT_RUNNING', message: `container ${GONE.slice(0, 12)} has no running process`, hint: 'the container has exited; check its state with `crictl ps -a`' } });
    const unknown = await get(`/v1/containers/${'f'.repeat(64)}`);
    t.equal(unknown.statusCode, 404);
    t.equal(unknown.json().error.code, 'NOT_FOUND');
    t.equal((await get('/v1/containers/xyz')).statusCode, 400, 'not an ID');

    const ps = await get(`/v1/containers/${APP}/processes`);
    t.equal(ps.statusCode, 200);
    t.same(ps.json(), {
      processes: [
        { pid: 200, nspid: 1, ppid: 150, uid: 0, startTime: new Date((1767225600 + 200 / 100) * 1000).toISOString(), command: 'nginx -g daemon off;', owner: { kind: 'container', containerID: APP }, containerID: APP },
        { pid: 201, nspid: 2, ppid: 200, uid: 101, startTime: new Date((1767225600 + 201 / 100) * 1000).toISOString(), command: 'nginx: worker process', owner: { kind: 'container', containerID: APP }, containerID: APP },
        { pid: 300, nspid: 3, ppid: 150, uid: 0, startTime: new Date((1767225600 + 300 / 100) * 1000).toISOString(), command: 'sh', owner: { kind: 'container', containerID: DBG }, containerID: DBG },
        { pid: 400, nspid: 4, ppid: 1, uid: 0, startTime: new Date((1767225600 + 400 / 100) * 1000).toISOString(), command: 'nsenter -t 200 -p sh', owner: { kind: 'host-entered' } },
      ],
    }, 'every member of its pid namespace, each with its owner');

    const whois = await get('/v1/processes/201');
    t.equal(whois.statusCode, 200);
    t.same(whois.json(), { pid: 201, namespaces: appNs, containerID: APP, podUID: POD_UID, runtime: l.runtime, podNamespace: 'shop', podName: 'web', containerName: 'app' });
    t.same((await get('/v1/processes/400')).json(), { pid: 400, namespaces: { ...HOST_NS, pid: NS.appPid } }, 'nsenter: no container');
    const gone = await get('/v1/processes/4242');
    t.equal(gone.statusCode, 404);
    t.equal(gone.json().error.message, 'no process 4242 on this node');
  });
}
