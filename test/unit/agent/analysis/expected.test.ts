// Expected-vs-actual: the kubelet/CRI rules per spec flag, and the mismatches they reveal.
import t from 'tap';
import { expectation, mismatches, type ObservedContainer } from '../../../../agent/analysis/expected.js';
import type { NsSet } from '../../../../agent/model/types.js';

const host: NsSet = { cgroup: 1, ipc: 2, mnt: 3, net: 4, pid: 5, time: 6, user: 7, uts: 8 };
const sb: NsSet = { ...host, cgroup: 11, ipc: 12, mnt: 13, net: 14, pid: 15, uts: 18 };
const plain = { hostNetwork: false, hostPID: false, hostIPC: false, shareProcessNamespace: false, hostUsers: true };
const box = (namespaces: NsSet): ObservedContainer => ({ name: '(sandbox)', kind: 'sandbox', privileged: false, namespaces });
const app = (namespaces: NsSet): ObservedContainer => ({ name: 'app', kind: 'app', privileged: false, namespaces });
const dbg = (namespaces: NsSet, target = 'app'): ObservedContainer => ({ name: 'debugger', kind: 'ephemeral', target, privileged: false, namespaces });

t.test('expectation table', async (t) => {
  const cases: Array<[string, object, Parameters<typeof expectation>[1], Parameters<typeof expectation>[2], boolean, string]> = [
    ['app net', plain, { kind: 'app', privileged: false }, 'net', false, 'sandbox'],
    ['app net, hostNetwork', { ...plain, hostNetwork: true }, { kind: 'app', privileged: false }, 'net', false, 'host'],
    ['app uts, hostNetwork', { ...plain, hostNetwork: true }, { kind: 'app', privileged: false }, 'uts', false, 'host'],
    ['app ipc, hostIPC', { ...plain, hostIPC: true }, { kind: 'app', privileged: false }, 'ipc', false, 'host'],
    ['app pid', plain, { kind: 'app', privileged: false }, 'pid', false, 'private'],
    ['app pid, shareProcessNamespace', { ...plain, shareProcessNamespace: true }, { kind: 'app', privileged: false }, 'pid', false, 'sandbox'],
    ['app pid, hostPID', { ...plain, hostPID: true, shareProcessNamespace: true }, { kind: 'app', privileged: false }, 'pid', false, 'host'],
    ['debugger pid with target', plain, { kind: 'ephemeral', target: 'app', privileged: false }, 'pid', false, 'target'],
    ['debugger pid with target, shareProcessNamespace', { ...plain, shareProcessNamespace: true }, { kind: 'ephemeral', target: 'app', privileged: false }, 'pid', false, 'sandbox'],
    ['debugger pid without target', plain, { kind: 'ephemeral', privileged: false }, 'pid', false, 'private'],
    ['user, hostUsers false', { ...plain, hostUsers: false }, { kind: 'app', privileged: false }, 'user', false, 'sandbox'],
    ['user', plain, { kind: 'app', privileged: false }, 'user', false, 'host'],
    ['mnt', plain, { kind: 'app', privileged: false }, 'mnt', false, 'private'],
    ['time', plain, { kind: 'app', privileged: false }, 'time', false, 'host'],
    ['cgroup on v1', plain, { kind: 'app', privileged: false }, 'cgroup', false, 'any'],
    ['cgroup on v2', plain, { kind: 'app', privileged: false }, 'cgroup', true, 'private'],
    ['cgroup on v2, privileged', plain, { kind: 'app', privileged: true }, 'cgroup', true, 'host'],
    ['sandbox net', plain, { kind: 'sandbox', privileged: false }, 'net', false, 'private'],
    ['sandbox pid, shareProcessNamespace', { ...plain, shareProcessNamespace: true }, { kind: 'sandbox', privileged: false }, 'pid', false, 'private'],
  ];
  for (const [name, pod, c, type, v2, want] of cases) t.equal(expectation(pod as typeof plain, c, type, v2), want, name);
});

t.test('a healthy kubectl debug --target pod has no mismatch', async (t) => {
  const a = { ...sb, cgroup: 21, mnt: 23, pid: 25 };
  t.same(mismatches({ pod: plain, host, cgroupV2: false, containers: [box(sb), app(a), dbg({ ...sb, cgroup: 31, mnt: 33, pid: 25 })] }), []);
});

t.test('named mismatches', async (t) => {
  const a = { ...sb, cgroup: 21, mnt: 23, pid: 25 };
  const ignored = mismatches({ pod: plain, host, cgroupV2: false, containers: [box(sb), app(a), dbg({ ...sb, cgroup: 31, mnt: 33, pid: 15 })] });
  t.same(ignored.map((m) => [m.container, m.type, m.expected, m.actual, m.cause]), [['debugger', 'pid', 'target', 'sandbox', 'runtime_ignored_target']]);
  t.match(ignored[0]?.message, /^runtime ignored TARGET: debugger is in the sandbox's pid namespace/);

  const offPod = mismatches({ pod: plain, host, cgroupV2: false, containers: [box(sb), app({ ...a, net: 99 })] });
  t.same(offPod.map((m) => m.cause), ['not_in_pod_namespace']);

  const sneaky = mismatches({ pod: plain, host, cgroupV2: false, containers: [box(sb), app({ ...a, net: 4, uts: 8 })] });
  t.same(sneaky.map((m) => [m.type, m.cause]), [['net', 'unexpected_host_namespace'], ['uts', 'unexpected_host_namespace']], 'host network without hostNetwork');

  const notHost = mismatches({ pod: { ...plain, hostNetwork: true }, host, cgroupV2: false, containers: [box({ ...sb, net: 4, uts: 8 }), app({ ...a, net: 4, uts: 99 })] });
  t.same(notHost.map((m) => [m.container, m.type, m.cause]), [['app', 'uts', 'expected_host_namespace']]);

  const v2 = mismatches({ pod: plain, host, cgroupV2: true, containers: [box(sb), app({ ...a, cgroup: 1 })] });
  t.same(v2.map((m) => [m.type, m.cause]), [['cgroup', 'unexpected_host_namespace']]);

  const noTargetRunning = mismatches({ pod: plain, host, cgroupV2: false, containers: [box(sb), dbg({ ...sb, cgroup: 31, mnt: 33, pid: 15 }, 'gone')] });
  t.same(noTargetRunning, [], 'nothing to compare with when the target is not running');
});
