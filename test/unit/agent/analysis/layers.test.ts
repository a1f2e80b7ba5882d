// Three layers (pod spec, runtime record, kernel): which layer broke, table-driven.
import t from 'tap';
import { layers, sideLayers, toldOf, type SideInput } from '../../../../agent/analysis/layers.js';
import type { NsJoin } from '../../../../agent/model/records.js';
import type { NsSet, NsType } from '../../../../agent/model/types.js';

const host: NsSet = { cgroup: 1, ipc: 2, mnt: 3, net: 4, pid: 5, time: 6, user: 7, uts: 8 };
const sb: NsSet = { ...host, ipc: 12, mnt: 13, net: 14, pid: 15, uts: 18 };
const app: NsSet = { ...sb, mnt: 23, pid: 25 };
const PAUSE = 100;
const APP = 200;
const plain = { hostNetwork: false, hostPID: false, hostIPC: false, shareProcessNamespace: false, hostUsers: true };
const byPid: Record<number, NsSet> = { [PAUSE]: sb, [APP]: app };
const info = (path: string, type: NsType) => {
  const pid = Number(/^\/proc\/(\d+)\/ns\//.exec(path)?.[1]);
  const ns = byPid[pid];
  if (!ns) return { owner: null };
  return { owner: pid === PAUSE ? ('sandbox' as const) : ('target' as const), inode: ns[type] as number };
};
// containerd's record of a POD-mode container, with the pid entry given.
const record = (pid: NsJoin): NsJoin[] => [{ type: 'ipc', path: `/proc/${PAUSE}/ns/ipc` }, { type: 'uts', path: `/proc/${PAUSE}/ns/uts` }, { type: 'net', path: `/proc/${PAUSE}/ns/net` }, { type: 'mnt' }, pid];
const TARGET: NsJoin = { type: 'pid', path: `/proc/${APP}/ns/pid` };
const NEW: NsJoin = { type: 'pid' };

const dbgSide = (o: Partial<SideInput> & { kernel: NsSet }): SideInput => ({
  side: 'debugger',
  name: 'debugger',
  ctx: { host, sandbox: sb, target: app },
  ...o,
});
const spec = (target?: string, pod = plain) => ({ pod, container: { kind: 'ephemeral' as const, target, privileged: false }, cgroupV2: false });
const broken = (rows: ReturnType<typeof sideLayers>) => rows.filter((r) => !r.agree).map((r) => [r.type, r.broke.join('+') || '?']);

t.test('toldOf: inherit, new, path', async (t) => {
  const told = toldOf(record(TARGET), info);
  t.same(told.user, { join: 'inherit', owner: 'host' });
  t.same(told.mnt, { join: 'new', owner: 'private' });
  t.same(told.pid, { join: 'path', path: `/proc/${APP}/ns/pid`, owner: 'target', inode: 25 });
  t.same(told.net, { join: 'path', path: `/proc/${PAUSE}/ns/net`, owner: 'sandbox', inode: 14 });
  t.same(toldOf([{ type: 'net', path: '/proc/999/ns/net' }], info).net, { join: 'path', path: '/proc/999/ns/net', owner: null }, 'an unknown path: owner unknown');
});

t.test('which layer broke', async (t) => {
  const kTarget = { ...sb, mnt: 33, pid: 25 };
  const kPrivate = { ...sb, mnt: 33, pid: 35 };
  const cases: Array<[string, SideInput, Array<[string, string]>]> = [
    ['healthy --target debugger', dbgSide({ spec: spec('app'), told: toldOf(record(TARGET), info), kernel: kTarget }), []],
    ['healthy debugger without target', dbgSide({ spec: spec(), told: toldOf(record(NEW), info), kernel: kPrivate }), []],
    ['spec wants target, runtime told new, kernel new: the kubelet', dbgSide({ spec: spec('app'), told: toldOf(record(NEW), info), kernel: kPrivate }), [['pid', 'KUBELET_DID_NOT_REQUEST']]],
    ['told target, kernel own: the runtime', dbgSide({ spec: spec('app'), told: toldOf(record(TARGET), info), kernel: kPrivate }), [['pid', 'RUNTIME_IGNORED']]],
    ['the reverse: told new, kernel the target’s', dbgSide({ told: toldOf(record(NEW), info), kernel: kTarget }), [['pid', 'RUNTIME_IGNORED']]],
    ['spec target, told new, kernel target: both', dbgSide({ spec: spec('app'), told: toldOf(record(NEW), info), kernel: kTarget }), [['pid', 'KUBELET_DID_NOT_REQUEST+RUNTIME_IGNORED']]],
    ['net moved, a sibling still in the told one', dbgSide({ told: toldOf(record(TARGET), info), kernel: { ...kTarget, net: 44 }, startedAsTold: new Set(['net']) }), [['net', 'MOVED_AFTER_START']]],
    ['net differs, no process in the told one', dbgSide({ told: toldOf(record(TARGET), info), kernel: { ...kTarget, net: 44 } }), [['net', 'RUNTIME_IGNORED']]],
    ['pid never moves, whatever the siblings', dbgSide({ told: toldOf(record(TARGET), info), kernel: kPrivate, startedAsTold: new Set(['pid']) }), [['pid', 'RUNTIME_IGNORED']]],
    ['inherit the node’s, kernel own: the runtime', dbgSide({ told: toldOf(record(TARGET), info), kernel: { ...kTarget, user: 77 } }), [['user', 'RUNTIME_IGNORED']]],
    ['no record, spec and kernel differ: no layer named', dbgSide({ spec: spec('app'), kernel: kPrivate }), [['pid', '?']]],
    ['no record, no spec: nothing to compare', dbgSide({ kernel: kPrivate }), []],
    ['unknown told path: not blamed', dbgSide({ told: toldOf([...record(NEW).slice(0, 4), { type: 'pid', path: '/proc/999/ns/pid' }], info), kernel: kPrivate }), []],
    ['unreadable kernel: not blamed', dbgSide({ told: toldOf(record(TARGET), info), kernel: { ...kTarget, pid: undefined } }), []],
    ['hostPID: spec host, told inherit, kernel host', dbgSide({ spec: spec('app', { ...plain, hostPID: true }), told: toldOf(record(NEW).filter((n) => n.type !== 'pid'), info), kernel: { ...kTarget, pid: 5 } }), []],
    ['shareProcessNamespace: told the sandbox’s', dbgSide({ spec: spec('app', { ...plain, shareProcessNamespace: true }), told: toldOf(record({ type: 'pid', path: `/proc/${PAUSE}/ns/pid` }), info), kernel: { ...kTarget, pid: 15 } }), []],
  ];
  for (const [name, input, want] of cases) t.same(broken(sideLayers(input)), want, name);
});

t.test('rows: both sides, every type, with a message naming the container', async (t) => {
  const target: SideInput = { side: 'target', name: 'app', ctx: { host, sandbox: sb }, told: toldOf(record(NEW), info), kernel: app, spec: { pod: plain, container: { kind: 'app', privileged: false }, cgroupV2: false } };
  const rows = layers(target, dbgSide({ spec: spec('app'), told: toldOf(record(NEW), info), kernel: { ...sb, mnt: 33, pid: 35 } }));
  t.equal(rows.length, 16);
  t.same(rows.filter((r) => !r.agree).map((r) => `${r.side}/${r.type}`), ['debugger/pid']);
  const pid = rows.find((r) => r.side === 'debugger' && r.type === 'pid');
  t.match(pid, { spec: 'target', told: { join: 'new' }, kernel: 'private', kernelInode: 35 });
  t.match(pid?.message, /^debugger: the pod spec asks for the target's pid namespace, but the runtime was told to make a new pid namespace/);
  t.match(rows.find((r) => r.side === 'target' && r.type === 'cgroup'), { spec: null, agree: true }, 'cgroup on v1: the spec does not decide');
});
