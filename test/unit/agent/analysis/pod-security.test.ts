// Table-driven tests of Pod Security awareness in fixes: what each level forbids, and what the verdict then says.
import t from 'tap';
import { verdict } from '../../../../agent/analysis/access.js';
import { forbidden } from '../../../../agent/analysis/pod-security.js';
import type { AccessInput, FixNeeds, PodSecurity, PssLevel } from '../../../../agent/model/access.js';
import type { ProcCreds } from '../../../../agent/model/creds.js';

const IDENT = [{ inside: 0, outside: 0, count: 4294967295 }];
const DEFAULT_CAPS = 0xa80425fbn;

function creds(uid: number, over: Partial<ProcCreds> = {}): ProcCreds {
  const q = { real: uid, effective: uid, saved: uid, fs: uid };
  const caps = uid === 0 ? DEFAULT_CAPS : 0n;
  return {
    pid: 100, uid: q, gid: q, groups: [], noNewPrivs: false, seccomp: 0, seccompFilters: 0, pidDepth: 2,
    caps: { inheritable: 0n, permitted: caps, effective: caps, bounding: DEFAULT_CAPS, ambient: 0n },
    uidMap: IDENT, gidMap: IDENT, dumpable: uid === 0 ? 'unknown' : 'yes', procOwner: { uid, gid: uid }, ...over,
  };
}

function input(tc: ProcCreds, dc: ProcCreds, podSecurity?: PodSecurity, dNs: object = {}): AccessInput {
  const ns = { user: 1, pid: 10, net: 11 };
  return {
    target: { creds: tc, namespaces: ns, pidDepth: 2 },
    debugger: { creds: dc, namespaces: { ...ns, ...dNs }, pidDepth: 2 },
    host: { user: 1, pid: 2, net: 3 },
    node: { yama: false, perfEventParanoid: 2 },
    ...(podSecurity ? { podSecurity } : {}),
  };
}
const ps = (enforce: PssLevel): PodSecurity => ({ namespace: 'shop', enforce });

t.test('what each level forbids of a fix (Pod Security Standards, container fields)', async (t) => {
  const rows: Array<[string, FixNeeds, Record<PssLevel, boolean>]> = [
    ['nothing set (--target)', {}, { privileged: true, baseline: true, restricted: true }],
    ['--profile=general: add SYS_PTRACE', { addCaps: ['SYS_PTRACE'] }, { privileged: true, baseline: false, restricted: false }],
    ['--profile=netadmin: add NET_ADMIN, NET_RAW', { addCaps: ['NET_ADMIN', 'NET_RAW'] }, { privileged: true, baseline: false, restricted: false }],
    ['--profile=sysadmin: privileged', { privileged: true }, { privileged: true, baseline: false, restricted: false }],
    ['add KILL (in the default set)', { addCaps: ['KILL'] }, { privileged: true, baseline: true, restricted: false }],
    ['add DAC_OVERRIDE (in the default set)', { addCaps: ['DAC_OVERRIDE'] }, { privileged: true, baseline: true, restricted: false }],
    ['add NET_BIND_SERVICE', { addCaps: ['NET_BIND_SERVICE'] }, { privileged: true, baseline: true, restricted: true }],
    ['runAsUser: 0', { runAsUser: 0 }, { privileged: true, baseline: true, restricted: false }],
    ['runAsUser: 1000', { runAsUser: 1000 }, { privileged: true, baseline: true, restricted: true }],
    ['AppArmor Unconfined', { appArmorUnconfined: true }, { privileged: true, baseline: false, restricted: false }],
  ];
  for (const [name, needs, want] of rows) {
    for (const level of ['privileged', 'baseline', 'restricted'] as const) {
      t.equal(forbidden(level, needs).length === 0, want[level], `${name} under ${level}`);
    }
  }
});

t.test('the verdict says when the namespace\'s level forbids the fix', async (t) => {
  type Row = [string, AccessInput, 'ptrace' | 'capture-packets' | 'signal' | 'see-processes', { allowed?: string; fix: RegExp; notFix?: RegExp } | 'none'];
  const rows: Row[] = [
    ['no namespace (node-local): no Pod Security note', input(creds(1000), creds(0)), 'ptrace', 'none'],
    ['privileged admits --profile=general', input(creds(1000), creds(0), ps('privileged')), 'ptrace', { allowed: 'yes', fix: /--profile=general/ }],
    ['baseline: general is forbidden, runAsUser of the target is kept', input(creds(1000), creds(0), ps('baseline')), 'ptrace',
      { allowed: 'yes', fix: /^--custom=.*"runAsUser":1000.*enforces baseline, which forbids adding SYS_PTRACE/, notFix: /profile=general/ }],
    ['restricted: runAsUser 1000 with --profile=restricted', input(creds(1000), creds(0), ps('restricted')), 'ptrace',
      { allowed: 'yes', fix: /"runAsUser":1000.*--profile=restricted/ }],
    ['restricted, root target: every fix forbidden', input(creds(0, { dumpable: 'no' }), creds(1000), ps('restricted')), 'ptrace',
      { allowed: 'no', fix: /but the namespace "shop" enforces restricted, which forbids adding SYS_PTRACE.*runAsUser: 0.*ask a cluster admin/ }],
    ['baseline forbids netadmin', input(creds(1000), creds(1000), ps('baseline')), 'capture-packets',
      { allowed: 'no', fix: /--profile=netadmin.*enforces baseline, which forbids adding NET_ADMIN and NET_RAW/ }],
    ['baseline admits adding KILL', input(creds(2000, { dumpable: 'no' }), creds(0, { caps: { inheritable: 0n, permitted: 0n, effective: 0n, bounding: DEFAULT_CAPS, ambient: 0n } }), ps('baseline')), 'signal',
      { allowed: 'yes', fix: /"add":\["KILL"\]/ }],
    ['restricted admits --target', input(creds(1000), creds(1000), ps('restricted'), { pid: 99 }), 'see-processes', { allowed: 'yes', fix: /--target=/ }],
    ['unknown level: said unknown, not allowed', input(creds(0, { dumpable: 'no' }), creds(0), { namespace: 'shop', enforce: 'unknown', why: 'the agent may not get namespaces (403)' }), 'ptrace',
      { allowed: 'unknown', fix: /--profile=general.*Pod Security level is unknown, the agent may not get namespaces \(403\)/ }],
    ['unknown level, a fix no level forbids', input(creds(1000), creds(1000), { namespace: 'shop', enforce: 'unknown', why: 'no label' }, { pid: 99 }), 'see-processes',
      { allowed: 'yes', fix: /^kubectl debug --target=<target container> \(joins its pid namespace\), or shareProcessNamespace: true on the pod$/ }],
  ];
  for (const [name, inp, op, want] of rows) {
    const v = verdict(op, inp);
    if (want === 'none') {
      t.equal(v.podSecurity, undefined, name);
      t.notMatch(v.fix ?? '', /Pod Security|enforces/, name);
      continue;
    }
    t.equal(v.podSecurity?.allowed, want.allowed, `${name}: admission`);
    t.match(v.fix ?? '', want.fix, `${name}: fix`);
    if (want.notFix) t.notMatch(v.fix ?? '', want.notFix, `${name}: dropped alternative`);
    t.notOk((v.fix ?? '').includes('\n'), `${name}: one line`);
  }
});
