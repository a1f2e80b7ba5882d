// Property-based tests of cgroup path recognition: generated kubelet/runtime layouts round-trip their IDs.
import t from 'tap';
import fc from 'fast-check';
import { deepStrictEqual } from 'node:assert/strict';
import { containerOfName, isPodUID, parseCgroupPath } from '../../agent/discovery/cgroup-path.js';
import type { QosClass, Runtime } from '../../agent/model/types.js';
import { HEX, check, chars, hex, hostile } from './fc.js';

type Driver = 'cgroupfs' | 'systemd';
type Rt = 'containerd' | 'cri-o' | 'docker';

const uuid = fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((p) => p.join('-'));
/** Pod UIDs: API-server UUIDs, and the 32-hex md5 of a static pod. */
const podUID = fc.oneof({ arbitrary: uuid, weight: 4 }, { arbitrary: hex(32), weight: 1 });

function podPath(driver: Driver, qos: QosClass, uid: string): string {
  if (driver === 'systemd') {
    const u = uid.replaceAll('-', '_');
    return qos === 'guaranteed' ? `/kubepods.slice/kubepods-pod${u}.slice` : `/kubepods.slice/kubepods-${qos}.slice/kubepods-${qos}-pod${u}.slice`;
  }
  return qos === 'guaranteed' ? `/kubepods/pod${uid}` : `/kubepods/${qos}/pod${uid}`;
}

/** The container's cgroup name, as each runtime names it under each driver (docker: cri-dockerd). */
function containerName(rt: Rt, driver: Driver, id: string): string {
  if (rt === 'containerd') return driver === 'systemd' ? `cri-containerd-${id}.scope` : id;
  if (rt === 'cri-o') return driver === 'systemd' ? `crio-${id}.scope` : `crio-${id}`;
  return driver === 'systemd' ? `docker-${id}.scope` : id;
}

/** What the name alone can tell: a bare 64-hex name reads as containerd. */
const expectedRuntime = (rt: Rt, driver: Driver): Runtime => (rt === 'docker' && driver === 'cgroupfs' ? 'containerd' : rt);

const layout = fc.record({
  rt: fc.constantFrom<Rt>('containerd', 'cri-o', 'docker'),
  driver: fc.constantFrom<Driver>('cgroupfs', 'systemd'),
  qos: fc.constantFrom<QosClass>('guaranteed', 'burstable', 'besteffort'),
  uid: podUID,
  id: hex(64),
  // Where kubepods sits: the root, a kind node (a docker container running a kubelet), a cgroup-namespaced view.
  prefix: fc.oneof(fc.constant(''), hex(64).map((h) => `/docker/${h}/kubelet`), hex(64).map((h) => `/system.slice/docker-${h}.scope/kubelet.slice/kubelet-kubepods.slice`)),
  // What may sit below the container's own cgroup: crun's "container" child, a process's sub-cgroups.
  suffix: fc.constantFrom('', '/container', '/init.scope', '/a/b'),
});

t.test('kubelet layouts: the container ID, pod UID, QoS and paths come back', async (t) => {
  check(t, 'containerd/CRI-O/docker x cgroupfs/systemd x QoS', fc.property(layout, (l) => {
    const pod = l.prefix + podPath(l.driver, l.qos, l.uid);
    const container = `${pod}/${containerName(l.rt, l.driver, l.id)}`;
    deepStrictEqual(parseCgroupPath(container + l.suffix), {
      containerID: l.id, runtime: expectedRuntime(l.rt, l.driver), containerPath: container, podUID: l.uid, qos: l.qos, podPath: pod,
    });
  }));
  check(t, "CRI-O's conmon is not the container", fc.property(layout, (l) => {
    const pod = podPath(l.driver, l.qos, l.uid);
    return parseCgroupPath(`${pod}/crio-conmon-${l.id}.scope`) === undefined;
  }));
  check(t, 'a pod cgroup alone is no container', fc.property(layout, (l) => parseCgroupPath(l.prefix.replace(/\/docker\/.*|\/system\.slice.*/, '') + podPath(l.driver, l.qos, l.uid)) === undefined));
  check(t, 'plain docker: /docker/<id> and docker-<id>.scope, no pod', fc.property(hex(64), fc.boolean(), (id, systemd) => {
    const path = systemd ? `/system.slice/docker-${id}.scope` : `/docker/${id}`;
    deepStrictEqual(parseCgroupPath(path), { containerID: id, runtime: 'docker', containerPath: path });
  }));
});

t.test('containerOfName: every runtime name gives its ID back', async (t) => {
  check(t, 'names round-trip', fc.property(fc.constantFrom<Rt>('containerd', 'cri-o', 'docker'), fc.constantFrom<Driver>('cgroupfs', 'systemd'), hex(64), (rt, driver, id) => {
    deepStrictEqual(containerOfName(containerName(rt, driver, id)), { id, runtime: expectedRuntime(rt, driver) });
  }));
  check(t, 'near misses are not containers', fc.property(fc.constantFrom<Rt>('containerd', 'cri-o', 'docker'), fc.constantFrom<Driver>('cgroupfs', 'systemd'), fc.integer({ min: 1, max: 80 }).filter((n) => n !== 64).chain((n) => hex(n)), (rt, driver, id) =>
    containerOfName(containerName(rt, driver, id)) === undefined));
  check(t, 'arbitrary names: undefined, or a 64-hex ID found in the name', fc.property(hostile(90), (name) => {
    const c = containerOfName(name);
    return c === undefined || (/^[0-9a-f]{64}$/.test(c.id) && name.includes(c.id) && ['containerd', 'cri-o', 'docker'].includes(c.runtime));
  }), 2);
});

/** Segments from the real vocabulary, mutated: the inputs most likely to confuse the recogniser. */
const segment = fc.oneof(
  fc.constantFrom('kubepods', 'kubepods.slice', 'burstable', 'besteffort', 'kubepods-burstable.slice', 'kubepods-besteffort.slice', 'docker', 'system.slice', 'kubelet', 'container', '', '..', '.'),
  hex(64), hex(64).map((h) => `crio-${h}.scope`), hex(64).map((h) => `cri-containerd-${h}.scope`), hex(64).map((h) => `crio-conmon-${h}.scope`),
  podUID.map((u) => `pod${u}`), podUID.map((u) => `kubepods-burstable-pod${u.replaceAll('-', '_')}.slice`),
  chars(`${HEX}-_`, 28, 40).map((s) => `pod${s}`), chars(`${HEX}-_`, 28, 40).map((s) => `kubepods-pod${s}.slice`), chars(`${HEX}-_`, 28, 40).map((s) => `kubepods-besteffort-pod${s}.slice`),
  hostile(20),
);

t.test('arbitrary paths: never throws; what it returns is consistent with the path', async (t) => {
  check(t, 'mutated layouts', fc.property(fc.array(segment, { maxLength: 9 }).map((a) => '/' + a.join('/')), (path) => {
    const r = parseCgroupPath(path);
    if (r === undefined) return true;
    // The container's cgroup is a prefix of the path and its last name holds the ID.
    if (!/^[0-9a-f]{64}$/.test(r.containerID) || !path.startsWith(r.containerPath) || !r.containerPath.split('/').pop()?.includes(r.containerID)) return false;
    if (r.podUID === undefined) return r.qos === undefined && r.podPath === undefined;
    // A pod UID is a UUID or 32 hex, in the API's form, and the pod's cgroup is an ancestor of the container's.
    return isPodUID(r.podUID) && r.podPath !== undefined && r.containerPath.startsWith(r.podPath + '/') && ['guaranteed', 'burstable', 'besteffort'].includes(r.qos as string);
  }), 3);
  // A real layout whose pod UID is replaced by look-alike text: a pod UID comes back only when it is one.
  check(t, 'look-alike pod UIDs', fc.property(layout, chars(`${HEX}-_`, 28, 40), (l, fake) => {
    const path = podPath(l.driver, l.qos, l.uid).replace(l.driver === 'systemd' ? l.uid.replaceAll('-', '_') : l.uid, fake) + '/' + containerName(l.rt, l.driver, l.id);
    const r = parseCgroupPath(path);
    return r?.containerID === l.id && (r.podUID === undefined || (isPodUID(r.podUID) && r.podUID.replaceAll('-', '') === fake.replace(/[-_]/g, '')));
  }), 2);
  check(t, 'any string', fc.property(hostile(200), (path) => {
    const r = parseCgroupPath(path);
    return r === undefined || (path.startsWith(r.containerPath) && r.containerPath.includes(r.containerID));
  }), 2);
  const long = '/kubepods/burstable/pod' + '-'.repeat(100_000) + '/' + 'a'.repeat(100_000);
  const t0 = performance.now();
  t.equal(parseCgroupPath(long), undefined, 'a 200 kB path is no container');
  t.ok(performance.now() - t0 < 200, 'and is rejected in linear time');
});
