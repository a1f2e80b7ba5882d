// Every cgroup layout of the reference, made literally for real runc containers, found by the engine.
import t from 'tap';
import { labFor, statNamespaces } from '../helpers/lab.js';
import { LAYOUTS, type Layout, containerCgroupPath, podCgroupPath, startPodContainer } from '../../lab/pod.js';
import { randomHex, randomUUID } from '../../lab/runc.js';
import { Engine } from '../../agent/inspect/engine.js';
import { containerOfPid } from '../../agent/discovery/containers.js';
import type { QosClass, Runtime } from '../../agent/model/types.js';

const RUNTIME: Record<Layout, Runtime> = {
  'containerd-cgroupfs': 'containerd', 'containerd-systemd': 'containerd', 'crio-cgroupfs': 'cri-o', 'crio-systemd': 'cri-o',
  'crio-systemd-crun': 'cri-o', 'docker-cgroupfs': 'docker', 'docker-systemd': 'docker',
};
const SLEEP = ['sleep', '2147483647'];

for (const layout of LAYOUTS) {
  const kube = !layout.startsWith('docker');
  for (const qos of (kube ? ['guaranteed', 'burstable', 'besteffort'] : ['guaranteed']) as QosClass[]) {
    t.test(`${layout}${kube ? ` ${qos}` : ''}`, async (t) => {
      const lab = await labFor(t);
      const uid = randomUUID();
      const podPath = podCgroupPath(layout, qos, uid);
      const sandbox = await startPodContainer(lab, layout, podPath, SLEEP, undefined, 'web');
      const app = await startPodContainer(lab, layout, podPath, ['sh', '-c', 'sleep 2147483647 & exec sleep 2147483647'], { net: sandbox.pid, ipc: sandbox.pid, uts: sandbox.pid });
      t.equal(app.cgroupsPath, containerCgroupPath(layout, podPath, app.id), 'the literal path');
      const engine = new Engine();

      const c = engine.index.container(app.id);
      t.equal(c.containerID, app.id, 'found by full ID');
      t.equal(c.runtime, RUNTIME[layout], 'runtime');
      t.equal(c.initPid, app.pid, 'init PID is the one runc started');
      t.equal(c.pids.length, 2, 'both processes of the container');
      t.ok(c.pids.includes(app.pid));
      if (kube) {
        t.equal(c.podUID, uid, 'pod UID, with - restored in systemd paths');
        t.equal(c.qos, qos, 'QoS class');
      } else t.equal(c.podUID, undefined, 'no pod');
      t.equal(engine.index.container(app.id.slice(0, 12)).containerID, app.id, 'found by a 12-hex prefix');

      const back = containerOfPid(app.pid);
      t.equal(back?.containerID, app.id, 'reverse lookup from /proc/<pid>/cgroup');
      t.equal(back?.runtime, RUNTIME[layout]);
      if (kube) t.equal(back?.podUID, uid);

      const s = engine.containerSubject(app.id);
      t.same(s.namespaces, statNamespaces(app.pid), 'namespaces match stat(2)');
      if (kube) t.equal(engine.sandboxOf(uid)?.container.containerID, sandbox.id, 'the sandbox is found from the pod cgroup');
    });
  }
}

t.test('CRI-O conmon cgroup is not the container', async (t) => {
  const lab = await labFor(t);
  const uid = randomUUID();
  const podPath = podCgroupPath('crio-systemd', 'burstable', uid);
  const id = randomHex(64);
  const conmon = await lab.run({ id: randomHex(64), args: SLEEP, cgroupsPath: `${podPath}/crio-conmon-${id}.scope` });
  const real = await lab.run({ id, args: SLEEP, cgroupsPath: `${podPath}/crio-${id}.scope` });
  const c = new Engine().index.container(id);
  t.equal(c.initPid, real.pid, 'the container, not its conmon');
  t.notOk(c.pids.includes(conmon.pid));
  t.equal(containerOfPid(conmon.pid), undefined, "conmon's PID belongs to no container");
});

t.test('a stale cache entry is re-walked', async (t) => {
  const lab = await labFor(t);
  const engine = new Engine();
  const podPath = podCgroupPath('containerd-cgroupfs', 'besteffort', randomUUID());
  const a = await startPodContainer(lab, 'containerd-cgroupfs', podPath, SLEEP);
  t.equal(engine.index.container(a.id).initPid, a.pid);
  await lab.kill(a.id);
  t.throws(() => engine.index.container(a.id), { code: 'NOT_FOUND' }, 'a removed container is not served from the cache');
  const b = await startPodContainer(lab, 'containerd-cgroupfs', podPath, SLEEP);
  t.equal(engine.index.container(b.id.slice(0, 16)).initPid, b.pid, 'a new container is found without a restart');
});

t.test('unknown, malformed and ambiguous prefixes', async (t) => {
  const lab = await labFor(t);
  const podPath = podCgroupPath('containerd-systemd', 'burstable', randomUUID());
  const shared = randomHex(12);
  const ids: [string, string] = [shared + randomHex(52), shared + randomHex(52)];
  for (const id of ids) await lab.run({ id, args: SLEEP, cgroupsPath: containerCgroupPath('containerd-systemd', podPath, id) });
  const index = new Engine().index;
  t.throws(() => index.container(shared), { code: 'AMBIGUOUS', details: { candidates: [...ids].sort() } }, 'ambiguous lists the candidates');
  t.equal(index.container(ids[0].slice(0, 14)).containerID, ids[0], 'more characters disambiguate');
  t.throws(() => index.container('0'.repeat(12)), { code: 'NOT_FOUND' });
  for (const bad of ['abc', 'ABCDEF012345', 'zzzzzzzzzzzz', '../../etc/pa', 'a'.repeat(65)]) t.throws(() => index.container(bad), { code: 'INVALID' }, bad);
});
