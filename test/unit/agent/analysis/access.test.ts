// Table-driven tests of the access verdicts: each kernel check in order, the first blocking code, and the fix.
import t from 'tap';
import { ACCESS_OPS, type AccessInput, accessVerdicts, verdict } from '../../../../agent/analysis/access.js';
import type { ProcCreds } from '../../../../agent/model/creds.js';

const HOST = { user: 1, pid: 2, net: 3 };
const IDENT = [{ inside: 0, outside: 0, count: 4294967295 }];
const USERNS = [{ inside: 0, outside: 100000, count: 65536 }];
const DEFAULT_CAPS = 0xa80425fbn; // containerd's defaults: no SYS_PTRACE, has NET_RAW, KILL, DAC_OVERRIDE
const PTRACE = 1n << 19n;

function creds(uid: number, over: Partial<ProcCreds> = {}): ProcCreds {
  const q = { real: uid, effective: uid, saved: uid, fs: uid };
  const caps = uid === 0 || uid === over.uidMap?.[0]?.outside ? DEFAULT_CAPS : 0n;
  return {
    pid: 100, uid: q, gid: q, groups: [], noNewPrivs: false, seccomp: 0, seccompFilters: 0, pidDepth: 2,
    caps: { inheritable: 0n, permitted: caps, effective: caps, bounding: DEFAULT_CAPS, ambient: 0n },
    uidMap: IDENT, gidMap: IDENT, dumpable: uid === 0 ? 'unknown' : 'yes', procOwner: { uid, gid: uid }, ...over,
  };
}
const withCaps = (c: ProcCreds, mask: bigint): ProcCreds => ({ ...c, caps: { ...c.caps, permitted: mask, effective: mask } });

/** A target and a debugger in one pod: shared pid, net and user namespaces unless overridden. */
function input(t: ProcCreds, d: ProcCreds, o: { dNs?: object; tNs?: object; yama?: number; pidDepth?: [number, number] } = {}): AccessInput {
  const ns = { user: HOST.user, pid: 10, net: 11 };
  return {
    target: { creds: t, namespaces: { ...ns, ...o.tNs }, pidDepth: o.pidDepth?.[0] ?? 2 },
    debugger: { creds: d, namespaces: { ...ns, ...o.dNs }, pidDepth: o.pidDepth?.[1] ?? 2 },
    host: HOST,
    node: o.yama === undefined ? { yama: false, perfEventParanoid: 2 } : { yama: true, ptraceScope: o.yama, perfEventParanoid: 2 },
  };
}

type Row = [string, AccessInput, Partial<Record<(typeof ACCESS_OPS)[number], string>>];
// Each cell: 'yes', 'no CODE', or 'unknown CODE'.
const rows: Row[] = [
  ['same uid 1000, no caps at all', input(creds(1000), creds(1000)),
    { 'see-processes': 'yes', signal: 'yes', ptrace: 'yes', 'read-root': 'yes', 'read-environ': 'yes', 'capture-packets': 'no NO_CAP_NET_RAW' }],
  ['debugger root with default caps, target uid 1000 (strace across uids)', input(creds(1000), creds(0)),
    { 'see-processes': 'yes', signal: 'yes', ptrace: 'no UID_MISMATCH', 'read-root': 'no UID_MISMATCH', 'read-environ': 'no UID_MISMATCH', 'capture-packets': 'yes' }],
  ['debugger uid 1000, target uid 2000', input(creds(2000), creds(1000)),
    { signal: 'no NO_CAP_KILL', ptrace: 'no UID_MISMATCH', 'read-environ': 'no NO_CAP_DAC_OVERRIDE' }],
  ['debugger root + SYS_PTRACE (general), target uid 1000', input(creds(1000), withCaps(creds(0), DEFAULT_CAPS | PTRACE)),
    { ptrace: 'yes', 'read-root': 'yes', 'read-environ': 'yes' }],
  ['both root, the debugger with fewer caps (commoncap subset)', input(creds(0, { dumpable: 'yes' }), withCaps(creds(0), 1n << 5n)),
    { ptrace: 'no NO_CAP_SYS_PTRACE', 'read-root': 'no NO_CAP_SYS_PTRACE' }],
  ['both root, same caps', input(creds(0, { dumpable: 'yes' }), creds(0)), { ptrace: 'yes', 'read-root': 'yes' }],
  ['target not dumpable, same uid', input(creds(1000, { dumpable: 'no', procOwner: { uid: 0, gid: 0 } }), creds(1000)),
    { ptrace: 'no NOT_DUMPABLE', 'read-root': 'no NOT_DUMPABLE', 'read-environ': 'no NO_CAP_DAC_OVERRIDE' }],
  ['target not dumpable, debugger root + SYS_PTRACE', input(creds(1000, { dumpable: 'no', procOwner: { uid: 0, gid: 0 } }), withCaps(creds(0), DEFAULT_CAPS | PTRACE)),
    { ptrace: 'yes', 'read-environ': 'yes' }],
  ['root target, dumpable unknown, same-uid root debugger without SYS_PTRACE', input(creds(0), creds(0)),
    { ptrace: 'unknown NOT_DUMPABLE' }],
  ['another pid namespace', input(creds(1000), creds(1000), { dNs: { pid: 99 } }),
    { 'see-processes': 'no NOT_IN_PID_NAMESPACE', signal: 'no NOT_IN_PID_NAMESPACE', ptrace: 'no NOT_IN_PID_NAMESPACE' }],
  ['debugger in the host pid namespace', input(creds(1000), creds(1000), { dNs: { pid: HOST.pid } }), { 'see-processes': 'yes' }],
  ['target deeper in another pid namespace', input(creds(1000), creds(1000), { dNs: { pid: 99 }, pidDepth: [3, 2] }), { 'see-processes': 'unknown NOT_IN_PID_NAMESPACE' }],
  ['another net namespace', input(creds(0), creds(0), { dNs: { net: 98 } }), { 'capture-packets': 'no NOT_IN_NET_NAMESPACE' }],
  ['Yama 1, same uid, no caps', input(creds(1000), creds(1000), { yama: 1 }), { ptrace: 'no YAMA_SCOPE', 'read-root': 'yes', 'read-environ': 'yes' }],
  ['Yama 2, root with SYS_PTRACE', input(creds(1000), withCaps(creds(0), DEFAULT_CAPS | PTRACE), { yama: 2 }), { ptrace: 'yes' }],
  ['Yama 3, root with SYS_PTRACE', input(creds(1000), withCaps(creds(0), DEFAULT_CAPS | PTRACE), { yama: 3 }), { ptrace: 'no YAMA_SCOPE' }],
  ['Yama 0', input(creds(1000), creds(1000), { yama: 0 }), { ptrace: 'yes' }],
  ['debugger under a seccomp filter', input(creds(1000), creds(1000, { seccomp: 2, seccompFilters: 1 })), { ptrace: 'unknown SECCOMP', 'read-root': 'yes' }],
  ['debugger in strict seccomp', input(creds(1000), creds(1000, { seccomp: 1 })), { ptrace: 'no SECCOMP' }],
  ['AppArmor-confined debugger', input(creds(1000), creds(1000, { lsmLabel: 'cri-containerd.apparmor.d (enforce)', lsm: 'apparmor' })),
    { ptrace: 'unknown LSM', signal: 'unknown LSM', 'capture-packets': 'no NO_CAP_NET_RAW' }],
  ['unconfined AppArmor on both', input(creds(1000, { lsmLabel: 'unconfined', lsm: 'apparmor' }), creds(1000, { lsmLabel: 'unconfined', lsm: 'apparmor' })), { ptrace: 'yes' }],
  ['debugger in a child user namespace with SYS_PTRACE there, target on the host', input(creds(1000),
    withCaps(creds(100000, { uidMap: USERNS, gidMap: USERNS }), DEFAULT_CAPS | PTRACE), { dNs: { user: 50 } }),
    { ptrace: 'no CAP_IN_WRONG_USER_NAMESPACE', 'read-root': 'no CAP_IN_WRONG_USER_NAMESPACE', 'read-environ': 'no CAP_IN_WRONG_USER_NAMESPACE', 'capture-packets': 'no CAP_IN_WRONG_USER_NAMESPACE' }],
  ['target in a child user namespace, host-root debugger without SYS_PTRACE (owner rule)', input(
    creds(100000, { uidMap: USERNS, gidMap: USERNS, dumpable: 'unknown' }), creds(0), { tNs: { user: 50 } }),
    { ptrace: 'yes', 'read-root': 'yes', 'capture-packets': 'yes' }],
  ['target in a child user namespace, host debugger uid 1000', input(
    creds(100000, { uidMap: USERNS, gidMap: USERNS }), creds(1000), { tNs: { user: 50 } }),
    { ptrace: 'no UID_MISMATCH' }],
  ['both in one child user namespace, root inside, same caps', input(
    creds(100000, { uidMap: USERNS, gidMap: USERNS, dumpable: 'yes' }), creds(100000, { uidMap: USERNS, gidMap: USERNS }), { tNs: { user: 50 }, dNs: { user: 50 } }),
    { ptrace: 'yes', 'capture-packets': 'yes' }],
];

t.test('the verdict matrix', async (t) => {
  for (const [name, inp, want] of rows) {
    const got = Object.fromEntries(accessVerdicts(inp).map((v) => [v.op, v.allowed === 'yes' ? 'yes' : `${v.allowed} ${v.blockedBy}`]));
    for (const [op, w] of Object.entries(want)) t.equal(got[op], w, `${name}: ${op}`);
  }
});

t.test('all six ops in order, each with a reason and its walk', async (t) => {
  const vs = accessVerdicts(input(creds(1000), creds(0)));
  t.same(vs.map((v) => v.op), ['see-processes', 'signal', 'ptrace', 'read-root', 'read-environ', 'capture-packets']);
  for (const v of vs) {
    t.ok(v.reason.length > 0 && !v.reason.includes('\n'), `${v.op}: a one-line reason`);
    t.ok(v.checks.length > 0, `${v.op}: the walk`);
    t.equal(v.fix === undefined, v.allowed === 'yes', `${v.op}: a fix exactly when blocked`);
  }
});

t.test('the ptrace walk is in the kernel order', async (t) => {
  const v = verdict('ptrace', input(creds(1000), creds(0), { yama: 1 }));
  t.same(v.checks.map((c) => c.check), ['seccomp (debugger)', 'pid namespace', 'same thread group', 'uid/gid match', 'dumpable', 'capabilities (commoncap)', 'Yama ptrace_scope', 'LSM (AppArmor/SELinux)']);
  t.equal(v.blockedBy, 'UID_MISMATCH', 'the first failing check names the code, though Yama would also fail');
  t.equal(v.checks.find((c) => c.check === 'Yama ptrace_scope')?.result, 'fail');
});

t.test('fixes name kubectl debug profiles or a --custom snippet with the target uid inside its namespace', async (t) => {
  const f = (inp: AccessInput, op: (typeof ACCESS_OPS)[number]) => verdict(op, inp).fix ?? '';
  t.match(f(input(creds(1000), creds(0)), 'ptrace'), /--profile=general.*"runAsUser":1000,"runAsGroup":1000/);
  t.match(f(input(creds(101000, { uidMap: USERNS, gidMap: USERNS }), creds(0, { uidMap: USERNS, gidMap: USERNS })), 'read-root'), /"runAsUser":1000/, 'runAsUser is the uid inside the pod\'s user namespace');
  t.match(f(input(creds(1000), creds(1000)), 'capture-packets'), /--profile=netadmin/);
  t.match(f(input(creds(1000), creds(1000), { yama: 3 }), 'ptrace'), /reboot/);
  t.match(f(input(creds(1000), creds(1000), { dNs: { pid: 99 } }), 'ptrace'), /--target=/);
});
