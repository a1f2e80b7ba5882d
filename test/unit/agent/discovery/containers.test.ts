// The container index over fixture /proc trees: every runtime and cgroup layout a kubelet node has, without root.
import t from 'tap';
import { ContainerIndex, containerOfPid, initPidOf } from '../../../../agent/discovery/containers.js';
import { procFixture } from '../../../helpers/proc-fixture.js';
import { APP, DBG, GONE, POD_UID, SB, fixtureNode } from '../../../helpers/fixture-node.js';

const LAYOUTS = [
  { layout: 'v2', runtime: 'containerd', driver: 'systemd' },
  { layout: 'v1', runtime: 'containerd', driver: 'cgroupfs' },
  { layout: 'v2', runtime: 'cri-o', driver: 'systemd' },
  { layout: 'v1', runtime: 'cri-o', driver: 'cgroupfs' },
] as const;

for (const l of LAYOUTS) {
  t.test(`${l.runtime}, ${l.driver} driver, cgroup ${l.layout}`, async (t) => {
    const { fx, cgroups } = fixtureNode(l.layout, l.runtime, l.driver, procFixture(t, l.layout));
    const index = new ContainerIndex(fx.proc);
    const mount = fx.hierarchies()[0] as string;

    t.same(index.all().map((e) => e.containerID).sort(), [SB, APP, DBG, GONE].sort(), 'every container cgroup, conmon scopes left out');
    t.match(index.resolve(APP.slice(0, 12)), { containerID: APP, runtime: l.runtime, podUID: POD_UID, qos: 'burstable', dir: mount + cgroups[APP] }, 'a 12-hex prefix resolves');

    const app = index.container(APP);
    t.same(app.pids, [200, 201], 'its processes, from cgroup.procs (and the child cgroup crun makes)');
    t.equal(app.initPid, 200, 'init: the one whose parent is outside the container');
    t.equal(index.container(SB).initPid, 100);

    t.throws(() => index.container(GONE), { code: 'NOT_RUNNING', message: `container ${GONE.slice(0, 12)} has no running process` });
    t.throws(() => index.resolve('f'.repeat(12)), { code: 'NOT_FOUND' });
    t.throws(() => index.resolve('a'.repeat(11)), { code: 'INVALID' }, 'under 12 hex characters');
    t.throws(() => index.resolve('constructor'), { code: 'INVALID' });

    t.same(index.podContainers(POD_UID).map((c) => [c.containerID, c.pids]).sort(), [[SB, [100]], [APP, [200, 201]], [DBG, [300]], [GONE, []]].sort(), 'the pod’s containers by UID');
    t.same([...index.pidOwners()].map(([pid, e]) => [pid, e.containerID]).sort(), [[100, SB], [200, APP], [201, APP], [300, DBG]].sort(), 'pid -> container');

    t.match(containerOfPid(300, fx.proc), { containerID: DBG, runtime: l.runtime, podUID: POD_UID }, 'reverse lookup from /proc/<pid>/cgroup');
    t.equal(containerOfPid(400, fx.proc), undefined, 'a host process entered into a container is no container’s');
    t.equal(containerOfPid(1, fx.proc), undefined, 'init.scope');
    t.equal(containerOfPid(9999, fx.proc), undefined, 'a pid that is gone');
    t.equal(initPidOf([200, 201, 300], fx.proc), 200, 'several roots: the earliest started');
  });
}

t.test('a new container is found by a re-walk; one that went away by its cgroup', async (t) => {
  const { fx, cgroups } = fixtureNode('v2', 'containerd', 'systemd', procFixture(t, 'v2'));
  const index = new ContainerIndex(fx.proc);
  t.equal(index.all().length, 4);
  const NEW = 'e'.repeat(64);
  fx.process({ pid: 500, ppid: 150, comm: 'redis', cgroup: (cgroups[APP] as string).replace(APP, NEW) });
  t.equal(index.container(NEW.slice(0, 12)).initPid, 500, 'an ID not seen yet triggers a walk');
  fx.exit(200).exit(201);
  t.throws(() => index.container(APP), { code: 'NOT_RUNNING' }, 'its processes gone, the cgroup left: not running');
});

t.test('two containers sharing a prefix: AMBIGUOUS with both', async (t) => {
  const fx = procFixture(t, 'v2');
  const a = '1234567890ab' + '0'.repeat(52);
  const b = '1234567890ab' + '1'.repeat(52);
  fx.cgroup(`/system.slice/docker-${a}.scope`).cgroup(`/system.slice/docker-${b}.scope`);
  const index = new ContainerIndex(fx.proc);
  t.throws(() => index.resolve('1234567890ab'), { code: 'AMBIGUOUS', details: { candidates: [a, b] } });
  t.match(index.resolve(a.slice(0, 13)), { containerID: a, runtime: 'docker' });
});
