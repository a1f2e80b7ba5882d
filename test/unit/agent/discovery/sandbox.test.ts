// Finding a pod's sandbox among its containers, over fixture /proc trees: pause by name, else the net namespace's founder.
import t from 'tap';
import { ContainerIndex } from '../../../../agent/discovery/containers.js';
import { findSandbox, podMembers } from '../../../../agent/discovery/sandbox.js';
import { procFixture } from '../../../helpers/proc-fixture.js';
import { APP, DBG, NS, POD_UID, SB, fixtureNode } from '../../../helpers/fixture-node.js';

for (const [layout, runtime, driver] of [['v2', 'containerd', 'systemd'], ['v1', 'cri-o', 'cgroupfs']] as const) {
  t.test(`${runtime}, cgroup ${layout}`, async (t) => {
    const { fx } = fixtureNode(layout, runtime, driver, procFixture(t, layout));
    const members = podMembers(new ContainerIndex(fx.proc).podContainers(POD_UID), fx.proc);
    t.same(members.map((m) => [m.container.containerID, m.comm, m.startTime]).sort(), [[SB, 'pause', 100], [APP, 'nginx', 200], [DBG, 'sh', 300]].sort(), 'running containers only, with their init’s comm and start');
    t.equal(members.find((m) => m.container.containerID === APP)?.namespaces.pid, NS.appPid, 'namespaces read from the fixture’s links');
    t.equal(findSandbox(members)?.container.containerID, SB, 'the one running pause');
  });
}

t.test('no pause: the earliest container of the largest net group; known app containers excluded', async (t) => {
  const fx = procFixture(t, 'v2');
  const { cgroups } = fixtureNode('v2', 'cri-o', 'systemd', fx);
  // CRI-O with another infra image: the sandbox's comm is not pause.
  fx.process({ pid: 100, ppid: 150, comm: 'infra', nspid: [100, 1], cgroup: cgroups[SB], ns: { net: NS.net, ipc: NS.ipc, uts: NS.uts, pid: NS.sbPid } });
  const members = podMembers(new ContainerIndex(fx.proc).podContainers(POD_UID), fx.proc);
  t.equal(findSandbox(members)?.container.containerID, SB, 'started first among those sharing the net namespace');
  t.equal(findSandbox(members, new Set([SB]))?.container.containerID, APP, 'excluded (drop_infra_ctr): the next earliest');
  t.equal(findSandbox([], new Set()), undefined);
});
