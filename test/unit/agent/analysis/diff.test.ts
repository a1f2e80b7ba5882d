// The pure analysis: diff rows, owners and the named findings, from plain namespace sets.
import t from 'tap';
import { diffNamespaces, ownerOf } from '../../../../agent/analysis/diff.js';
import { findings } from '../../../../agent/analysis/findings.js';
import type { NsSet } from '../../../../agent/model/types.js';

const host: NsSet = { cgroup: 1, ipc: 2, mnt: 3, net: 4, pid: 5, time: 6, user: 7, uts: 8 };
const sandbox: NsSet = { ...host, cgroup: 11, ipc: 12, mnt: 13, net: 14, pid: 15, uts: 18 };
const app: NsSet = { ...sandbox, cgroup: 21, mnt: 23, pid: 25 };
const withTarget: NsSet = { ...sandbox, cgroup: 31, mnt: 33, pid: 25 };
const noTarget: NsSet = { ...sandbox, cgroup: 41, mnt: 43, pid: 45 };
const ignored: NsSet = { ...sandbox, cgroup: 51, mnt: 53, pid: 15 };
const names = { targetPid: 100, targetInnerPid: 1, targetName: 'app', debuggerName: 'debugger' };
const codes = (d: NsSet, extra: Partial<{ target: NsSet; sandbox: NsSet }> = {}): string[] =>
  findings({ target: extra.target ?? app, debugger: d, host, sandbox: extra.sandbox ?? sandbox, ...names }).map((f) => f.code);

t.test('diff: kubectl debug --target', async (t) => {
  const d = diffNamespaces(app, withTarget, { host, sandbox });
  t.same(d.shared, ['ipc', 'net', 'pid', 'time', 'user', 'uts']);
  t.same(d.notShared, ['cgroup', 'mnt']);
  t.same(d.namespaces.map((r) => r.type), ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'], 'all eight, sorted');
  t.same(Object.fromEntries(d.namespaces.map((r) => [r.type, r.with])), {
    cgroup: 'private', ipc: 'sandbox', mnt: 'private', net: 'sandbox', pid: 'target', time: 'host', user: 'host', uts: 'sandbox',
  });
});

t.test('diff: unreadable side', async (t) => {
  const d = diffNamespaces(app, { net: 14 }, { host });
  t.same(d.shared, ['net']);
  t.same(d.notShared, []);
  const pid = d.namespaces.find((r) => r.type === 'pid');
  t.same(pid, { type: 'pid', target: 25, debugger: null, shared: null, with: null });
});

t.test('ownerOf precedence', async (t) => {
  const cases: Array<[string, number | undefined, string | null]> = [
    ['host wins over sandbox', 4, 'host'],
    ['sandbox', 14, 'sandbox'],
    ['target', 25, 'target'],
    ['private', 99, 'private'],
    ['unknown', undefined, null],
  ];
  for (const [name, inode, want] of cases) {
    t.equal(ownerOf(name === 'target' ? 'pid' : 'net', inode, { host, sandbox: { ...sandbox, net: 14 }, target: app }), want, name);
  }
});

t.test('findings', async (t) => {
  const cases: Array<[string, string[], string[]]> = [
    ['--target', codes(withTarget), ['TARGET_PID_SHARED', 'MNT_PRIVATE']],
    ['no --target', codes(noTarget), ['NO_TARGET', 'MNT_PRIVATE']],
    ['runtime ignored --target', codes(ignored), ['TARGET_IGNORED', 'MNT_PRIVATE']],
    ['shareProcessNamespace', codes(ignored, { target: { ...app, pid: 15 } }), ['POD_SHARED_PID', 'MNT_PRIVATE']],
    ['hostPID', codes({ ...withTarget, pid: 5 }, { target: { ...app, pid: 5 } }), ['HOST_PID', 'MNT_PRIVATE']],
    ['hostNetwork', codes({ ...withTarget, net: 4, uts: 8 }, { target: { ...app, net: 4, uts: 8 }, sandbox: { ...sandbox, net: 4, uts: 8 } }), ['TARGET_PID_SHARED', 'HOST_NETWORK', 'MNT_PRIVATE']],
    ['not in the pod net', codes({ ...withTarget, net: 77 }), ['TARGET_PID_SHARED', 'NOT_IN_POD_NAMESPACE', 'MNT_PRIVATE']],
    ['unreadable debugger', codes({ net: 14 }), ['UNREADABLE']],
  ];
  for (const [name, got, want] of cases) t.same(got, want, name);
});

t.test('finding sentences point at the target files', async (t) => {
  const f = findings({ target: app, debugger: withTarget, host, sandbox, ...names });
  t.match(f.find((x) => x.code === 'MNT_PRIVATE')?.message, '/proc/1/root');
  t.match(f.find((x) => x.code === 'MNT_PRIVATE')?.message, '/proc/100/root');
  const g = findings({ target: app, debugger: ignored, host, sandbox, ...names });
  t.match(g[0]?.message, /ignored --target/);
});
