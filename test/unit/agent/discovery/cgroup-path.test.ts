// Table-driven tests of cgroup path recognition: every runtime, driver and QoS layout.
import t from 'tap';
import { parseCgroupPath } from '../../../../agent/discovery/cgroup-path.js';

const ID = 'a'.repeat(8) + '0123456789abcdef'.repeat(3) + 'b'.repeat(8);
const UID = '0b5e3c1a-7f44-4d2e-9c1b-2f6a8d0e4c11';
const U_ = UID.replaceAll('-', '_');

t.test('recognised layouts', async (t) => {
  const cases: Array<[string, string, object]> = [
    ['containerd cgroupfs burstable', `/kubepods/burstable/pod${UID}/${ID}`, { runtime: 'containerd', podUID: UID, qos: 'burstable' }],
    ['containerd cgroupfs besteffort', `/kubepods/besteffort/pod${UID}/${ID}`, { runtime: 'containerd', podUID: UID, qos: 'besteffort' }],
    ['containerd cgroupfs guaranteed', `/kubepods/pod${UID}/${ID}`, { runtime: 'containerd', podUID: UID, qos: 'guaranteed' }],
    ['containerd systemd burstable', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${U_}.slice/cri-containerd-${ID}.scope`, { runtime: 'containerd', podUID: UID, qos: 'burstable' }],
    ['containerd systemd guaranteed', `/kubepods.slice/kubepods-pod${U_}.slice/cri-containerd-${ID}.scope`, { runtime: 'containerd', podUID: UID, qos: 'guaranteed' }],
    ['cri-o systemd', `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${U_}.slice/crio-${ID}.scope`, { runtime: 'cri-o', podUID: UID, qos: 'besteffort' }],
    ['cri-o systemd, crun child cgroup', `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${U_}.slice/crio-${ID}.scope/container`, { runtime: 'cri-o', podUID: UID, qos: 'besteffort' }],
    ['cri-o cgroupfs', `/kubepods/besteffort/pod${UID}/crio-${ID}`, { runtime: 'cri-o', podUID: UID, qos: 'besteffort' }],
    ['docker systemd', `/system.slice/docker-${ID}.scope`, { runtime: 'docker' }],
    ['docker cgroupfs', `/docker/${ID}`, { runtime: 'docker' }],
    ['static pod (md5 UID)', `/kubepods/burstable/pod0123456789abcdef0123456789abcdef/${ID}`, { runtime: 'containerd', podUID: '0123456789abcdef0123456789abcdef' }],
    ['kind node: kubepods inside a node container', `/docker/${'c'.repeat(64)}/kubelet/kubepods/burstable/pod${UID}/${ID}`, { runtime: 'containerd', podUID: UID }],
    ['kind node, systemd driver: slices prefixed by the cgroup root', `/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${U_}.slice/cri-containerd-${ID}.scope`, { runtime: 'containerd', podUID: UID, qos: 'besteffort' }],
  ];
  for (const [name, path, want] of cases) {
    const got = parseCgroupPath(path);
    t.ok(got, name);
    t.equal(got?.containerID, ID, `${name}: id`);
    t.match(got, want, name);
  }
});

t.test('not containers', async (t) => {
  const cases: Array<[string, string]> = [
    ['root', '/'],
    ['system slice', '/system.slice/containerd.service'],
    ['pod cgroup only', `/kubepods/burstable/pod${UID}`],
    ['CRI-O conmon', `/kubepods.slice/kubepods-pod${U_}.slice/crio-conmon-${ID}.scope`],
    ['short hex', `/kubepods/pod${UID}/abcdef`],
    ['uppercase hex', `/kubepods/pod${UID}/${ID.toUpperCase()}`],
    ['65 hex', `/kubepods/pod${UID}/${ID}a`],
    ['colons', '/weird:path:/with:colons'],
  ];
  for (const [name, path] of cases) t.equal(parseCgroupPath(path), undefined, name);
});

t.test('paths', async (t) => {
  const p = parseCgroupPath(`/kubepods.slice/kubepods-pod${U_}.slice/crio-${ID}.scope/container`);
  t.equal(p?.containerPath, `/kubepods.slice/kubepods-pod${U_}.slice/crio-${ID}.scope`);
  t.equal(p?.podPath, `/kubepods.slice/kubepods-pod${U_}.slice`);
});
