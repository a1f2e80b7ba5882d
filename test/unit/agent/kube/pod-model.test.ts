// Pod JSON from the API to the plain model: container IDs of every runtime, kinds, states, targets.
import t from 'tap';
import { parseStatusContainerID, podInfo } from '../../../../agent/kube/pod-model.js';

const id = 'ab'.repeat(32);

t.test('parseStatusContainerID', async (t) => {
  const cases: Array<[string | undefined, object | undefined]> = [
    [`containerd://${id}`, { id, runtime: 'containerd' }],
    [`cri-o://${id}`, { id, runtime: 'cri-o' }],
    [`docker://${id}`, { id, runtime: 'docker' }],
    [`rkt://${id}`, undefined],
    [`constructor://${id}`, undefined],
    [`containerd://${id.slice(1)}`, undefined],
    [`containerd://${id.toUpperCase()}`, undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [input, want] of cases) t.same(parseStatusContainerID(input), want, String(input));
});

t.test('podInfo', async (t) => {
  const p = podInfo({
    metadata: { namespace: 'shop', name: 'web', uid: 'u1' },
    spec: {
      nodeName: 'n1', shareProcessNamespace: true, hostUsers: false,
      initContainers: [{ name: 'init', image: 'busybox' }],
      containers: [{ name: 'app', image: 'nginx', securityContext: { privileged: true } }],
      ephemeralContainers: [{ name: 'debugger-x', image: 'busybox', targetContainerName: 'app' }],
    },
    status: {
      initContainerStatuses: [{ name: 'init', image: 'busybox', imageID: '', ready: false, restartCount: 0, containerID: `containerd://${'0'.repeat(64)}`, state: { terminated: { exitCode: 0 } } }],
      containerStatuses: [{ name: 'app', image: 'nginx', imageID: '', ready: true, restartCount: 0, containerID: `containerd://${id}`, state: { running: { startedAt: new Date('2026-01-01T00:00:00Z') } } }],
      ephemeralContainerStatuses: [{ name: 'debugger-x', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }],
    },
  });
  t.match(p, { namespace: 'shop', name: 'web', uid: 'u1', nodeName: 'n1', shareProcessNamespace: true, hostUsers: false, hostNetwork: false });
  t.same(p.containers.map((c) => [c.name, c.kind, c.state]), [['init', 'init', 'terminated'], ['app', 'app', 'running'], ['debugger-x', 'ephemeral', 'waiting']]);
  t.match(p.containers[1], { containerID: id, runtime: 'containerd', privileged: true, startedAt: '2026-01-01T00:00:00.000Z' });
  // The line above pins three containers: [2] is the ephemeral one.
  t.equal(p.containers[2]?.target, 'app');
  t.equal(p.containers[2]?.containerID, undefined);
});
