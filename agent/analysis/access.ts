// Verdicts per operation: walks the kernel's permission checks, in the kernel's order, for a debugger and its target.
import { CAP, type ProcCreds, hasCap } from '../model/creds.js';
import { ACCESS_OPS, type AccessCheck, type AccessInput, type AccessOp, type AccessParty, type AccessVerdict, type BlockCode } from '../model/access.js';
import { type Side, capableIn } from './capable.js';
import { fixText, fixesFor } from './access-fixes.js';
import { admitFix } from './pod-security.js';

export { ACCESS_OPS };
export type { AccessCheck, AccessInput, AccessOp, AccessParty, AccessVerdict, BlockCode };

/** The check whose detail best says why an allowed op is allowed. */
const KEY_CHECK: Record<AccessOp, string> = {
  'see-processes': 'pid namespace',
  signal: 'uid match (kill_ok_by_cred)',
  ptrace: 'uid/gid match',
  'read-root': 'uid/gid match',
  'read-environ': 'uid/gid match',
  'capture-packets': 'CAP_NET_RAW',
};

const side = (p: AccessParty): Side => ({ creds: p.creds, userNs: p.namespaces.user ?? -1 });

/** Every op's verdict, in ACCESS_OPS order. */
export function accessVerdicts(input: AccessInput): AccessVerdict[] {
  return ACCESS_OPS.map((op) => verdict(op, input));
}

export function verdict(op: AccessOp, input: AccessInput): AccessVerdict {
  const checks = WALKS[op](input);
  const fail = checks.find((c) => c.result === 'fail');
  const unknown = checks.find((c) => c.result === 'unknown');
  const decisive = fail ?? unknown;
  if (!decisive) {
    // A walk with no checks at all still passes; it just has no detail to quote.
    const key = checks.find((c) => c.check === KEY_CHECK[op]) ?? checks.at(0);
    return { op, allowed: 'yes', reason: key ? `every check passes; ${key.check}: ${key.detail}` : 'every check passes', checks };
  }
  const v: AccessVerdict = { op, allowed: fail ? 'no' : 'unknown', reason: `${decisive.check}: ${decisive.detail}`, checks };
  if (decisive.code) {
    v.blockedBy = decisive.code;
    const fixes = fixesFor(decisive.code, op, input);
    const fix = fixText(decisive.code, fixes);
    if (fix && fixes.length && input.podSecurity) {
      const a = admitFix(fixes, fix, input.podSecurity);
      v.fix = a.fix;
      v.podSecurity = a.admission;
    } else if (fix) v.fix = fix;
  }
  return v;
}

function pidVisible({ target, debugger: dbg, host }: AccessInput): AccessCheck {
  const check = 'pid namespace';
  const t = target.namespaces.pid;
  const d = dbg.namespaces.pid;
  if (t === undefined || d === undefined) return { check, result: 'unknown', code: 'NOT_IN_PID_NAMESPACE', detail: 'a pid namespace could not be read' };
  if (t === d) return { check, result: 'pass', detail: 'the debugger is in the target\'s pid namespace' };
  if (d === host.pid) return { check, result: 'pass', detail: 'the debugger is in the host\'s pid namespace, which sees every process' };
  if (target.pidDepth <= dbg.pidDepth) {
    return { check, result: 'fail', code: 'NOT_IN_PID_NAMESPACE', detail: 'the target is not in the debugger\'s pid namespace nor below it: the debugger cannot name it' };
  }
  return { check, result: 'unknown', code: 'NOT_IN_PID_NAMESPACE', detail: 'the target\'s pid namespace is deeper; whether it is inside the debugger\'s cannot be read without NS_GET_PARENT' };
}

/** A credential match, else a capability in the target's user namespace (uid checks and ptrace_has_cap). */
function matchOrCap(input: AccessInput, check: string, matched: boolean, matchDetail: string, bit: number, noCap: BlockCode): AccessCheck {
  if (matched) return { check, result: 'pass', detail: matchDetail };
  const c = capableIn(side(input.debugger), side(input.target), input.host.user, bit);
  if (c.has === 'yes') return { check, result: 'pass', detail: `IDs differ, but ${c.detail}` };
  const code: BlockCode = c.wrongNs ? 'CAP_IN_WRONG_USER_NAMESPACE' : noCap;
  return { check, result: c.has === 'no' ? 'fail' : 'unknown', code, detail: `${matchDetail}; ${c.detail}` };
}

/** __ptrace_may_access(), then the LSM hooks in their order: commoncap, Yama (attach only), AppArmor/SELinux. */
function ptraceWalk(input: AccessInput, mode: 'attach' | 'read'): AccessCheck[] {
  const { target, debugger: dbg } = input;
  const t = target.creds;
  const d = dbg.creds;
  const fs = mode === 'read'; // PTRACE_MODE_FSCREDS for the /proc files, REALCREDS for ptrace(2)
  const cu = fs ? d.uid.fs : d.uid.real;
  const cg = fs ? d.gid.fs : d.gid.real;
  const checks: AccessCheck[] = [];
  checks.push({ check: 'same thread group', result: 'pass', detail: 'different processes (a thread group may always inspect itself)' });
  const uidOk = cu === t.uid.real && cu === t.uid.effective && cu === t.uid.saved;
  const gidOk = cg === t.gid.real && cg === t.gid.effective && cg === t.gid.saved;
  const which = fs ? 'fs' : 'real';
  checks.push(matchOrCap(input, 'uid/gid match', uidOk && gidOk,
    uidOk && gidOk
      ? `the debugger's ${which} uid ${cu} and gid ${cg} equal the target's real, effective and saved IDs`
      : `the debugger's ${which} uid/gid ${cu}/${cg} ≠ the target's ${ids(t.uid)}/${ids(t.gid)} (real, effective and saved must all match)`,
    CAP.SYS_PTRACE, 'UID_MISMATCH'));
  if (t.dumpable === 'yes') checks.push({ check: 'dumpable', result: 'pass', detail: 'the target is dumpable' });
  else {
    const c = capableIn(side(dbg), side(target), input.host.user, CAP.SYS_PTRACE);
    const what = t.dumpable === 'no' ? 'the target is not dumpable' : 'whether the target is dumpable cannot be told (its euid/egid are its namespace\'s root)';
    if (c.has === 'yes') checks.push({ check: 'dumpable', result: 'pass', detail: `${what}, but ${c.detail}` });
    else checks.push({ check: 'dumpable', result: t.dumpable === 'no' && c.has === 'no' ? 'fail' : 'unknown', code: 'NOT_DUMPABLE', detail: `${what}; ${c.detail}` });
  }
  // cap_ptrace_access_check: same user namespace and the target's permitted set within the caller's.
  const callerCaps = fs ? d.caps.effective : d.caps.permitted;
  const sameNs = dbg.namespaces.user !== undefined && dbg.namespaces.user === target.namespaces.user;
  const subset = (t.caps.permitted & ~callerCaps) === 0n;
  const capsDetail = `the target's permitted capabilities are ${subset ? '' : 'not '}within the debugger's ${fs ? 'effective' : 'permitted'} set${sameNs ? '' : ' (and the user namespaces differ)'}`;
  checks.push(matchOrCap(input, 'capabilities (commoncap)', sameNs && subset, capsDetail, CAP.SYS_PTRACE, 'NO_CAP_SYS_PTRACE'));
  checks.push(yama(input, mode));
  checks.push(lsm(d, t, 'ptrace'));
  return checks;
}

function yama(input: AccessInput, mode: 'attach' | 'read'): AccessCheck {
  const check = 'Yama ptrace_scope';
  const { node } = input;
  if (!node.yama) return { check, result: 'pass', detail: 'Yama is not active on this node' };
  if (mode === 'read') return { check, result: 'pass', detail: `Yama checks only attaching (scope ${node.ptraceScope})` };
  const scope = node.ptraceScope ?? 0;
  if (scope === 0) return { check, result: 'pass', detail: 'scope 0: classic ptrace permissions' };
  if (scope >= 3) return { check, result: 'fail', code: 'YAMA_SCOPE', detail: 'scope 3: no process may attach, until reboot' };
  const c = capableIn(side(input.debugger), side(input.target), input.host.user, CAP.SYS_PTRACE);
  const why = scope === 1 ? 'scope 1: only an ancestor, a declared tracer (PR_SET_PTRACER, not visible in /proc) or CAP_SYS_PTRACE may attach' : 'scope 2: only CAP_SYS_PTRACE may attach';
  if (c.has === 'yes') return { check, result: 'pass', detail: `${why}; ${c.detail}` };
  return { check, result: c.has === 'no' ? 'fail' : 'unknown', code: 'YAMA_SCOPE', detail: `${why}; ${c.detail}` };
}

const unconfined = (c: ProcCreds): boolean => c.lsmLabel === undefined || c.lsmLabel === 'unconfined' || /^unconfined \(/.test(c.lsmLabel);

/** AppArmor and SELinux rules cannot be read from /proc: any confinement makes the answer unknown. */
function lsm(d: ProcCreds, t: ProcCreds | undefined, what: string): AccessCheck {
  const check = 'LSM (AppArmor/SELinux)';
  const confined = [d, ...(t ? [t] : [])].filter((c) => !unconfined(c));
  if (confined.length === 0) return { check, result: 'pass', detail: d.lsmLabel === undefined ? 'no LSM labels these processes' : 'both sides are unconfined' };
  const labels = confined.map((c) => `${c === d ? 'debugger' : 'target'} ${c.lsm ?? 'LSM'} label ${JSON.stringify(c.lsmLabel)}`).join(', ');
  return { check, result: 'unknown', code: 'LSM', detail: `${labels}: its ${what} rules cannot be read from /proc` };
}

function seccompPtrace(d: ProcCreds): AccessCheck {
  const check = 'seccomp (debugger)';
  if (d.seccomp === undefined || d.seccomp === 0) return { check, result: 'pass', detail: 'the debugger has no seccomp filter' };
  if (d.seccomp === 1) return { check, result: 'fail', code: 'SECCOMP', detail: 'strict seccomp mode allows only read, write, exit and sigreturn' };
  const n = d.seccompFilters === undefined ? 'seccomp filters' : `${d.seccompFilters} seccomp filter(s)`;
  return { check, result: 'unknown', code: 'SECCOMP', detail: `the debugger runs under ${n} whose rules cannot be read from /proc (RuntimeDefault allows ptrace on kernels ≥ 4.8; a custom profile may not)` };
}

function netNs({ target, debugger: dbg }: AccessInput): AccessCheck {
  const check = 'net namespace';
  if (target.namespaces.net === undefined || dbg.namespaces.net === undefined) return { check, result: 'unknown', code: 'NOT_IN_NET_NAMESPACE', detail: 'a net namespace could not be read' };
  if (target.namespaces.net === dbg.namespaces.net) return { check, result: 'pass', detail: 'the debugger is in the target\'s net namespace: it sees the same interfaces' };
  return { check, result: 'fail', code: 'NOT_IN_NET_NAMESPACE', detail: 'the debugger is in another net namespace: it sees other interfaces' };
}

const WALKS: Record<AccessOp, (i: AccessInput) => AccessCheck[]> = {
  'see-processes': (i) => [pidVisible(i)],
  signal: (i) => {
    const t = i.target.creds;
    const d = i.debugger.creds;
    // kill_ok_by_cred: the sender's euid or uid equals the target's suid or uid, else CAP_KILL in the target's user namespace.
    const ok = [d.uid.effective, d.uid.real].some((u) => u === t.uid.saved || u === t.uid.real);
    return [
      pidVisible(i),
      matchOrCap(i, 'uid match (kill_ok_by_cred)', ok, `the debugger's uid/euid ${d.uid.real}/${d.uid.effective} ${ok ? 'match' : 'match neither'} the target's uid/suid ${t.uid.real}/${t.uid.saved}`, CAP.KILL, 'NO_CAP_KILL'),
      lsm(d, t, 'signal'),
    ];
  },
  ptrace: (i) => [seccompPtrace(i.debugger.creds), pidVisible(i), ...ptraceWalk(i, 'attach')],
  'read-root': (i) => [
    pidVisible(i),
    ...ptraceWalk(i, 'read'),
    { check: 'file permissions', result: 'note', detail: 'past the link, each file of the target\'s root is checked against the debugger\'s fsuid and capabilities as usual' },
  ],
  'read-environ': (i) => [pidVisible(i), environMode(i), ...ptraceWalk(i, 'read')],
  'capture-packets': (i) => {
    const c = capableIn(side(i.debugger), side(i.target), i.host.user, CAP.NET_RAW);
    const raw: AccessCheck = c.has === 'yes'
      ? { check: 'CAP_NET_RAW', result: 'pass', detail: c.detail }
      : { check: 'CAP_NET_RAW', result: c.has === 'no' ? 'fail' : 'unknown', code: c.wrongNs ? 'CAP_IN_WRONG_USER_NAMESPACE' : 'NO_CAP_NET_RAW', detail: c.detail };
    raw.detail += ' (the owner of the target\'s net namespace is taken to be its user namespace)';
    return [netNs(i), raw, lsm(i.debugger.creds, undefined, 'network')];
  },
};

/** /proc/<pid>/environ is mode 0400, owned by the target's euid (root when not dumpable): DAC comes before the ptrace check. */
function environMode(i: AccessInput): AccessCheck {
  const check = 'file mode 0400 of environ';
  const d = i.debugger.creds;
  const owner = i.target.creds.procOwner;
  if (owner && d.uid.fs === owner.uid) return { check, result: 'pass', detail: `the debugger's fsuid ${d.uid.fs} owns it` };
  const who = owner ? `owned by uid ${owner.uid}, not the debugger's fsuid ${d.uid.fs}` : 'its owner could not be read';
  // capable_wrt_inode_uidgid: the capability in the caller's own user namespace, with the owner mapped in it.
  const mapped = owner !== undefined && inMap(owner.uid, d.uidMap) && inMap(owner.gid, d.gidMap);
  for (const bit of [CAP.DAC_OVERRIDE, CAP.DAC_READ_SEARCH]) {
    if (hasCap(d.caps.effective, bit) && mapped) return { check, result: 'pass', detail: `${who}, but the debugger has ${bit === CAP.DAC_OVERRIDE ? 'CAP_DAC_OVERRIDE' : 'CAP_DAC_READ_SEARCH'} and the owner is mapped in its user namespace` };
  }
  // An owner unmapped in the debugger's user namespace defeats any capability the debugger could be given there.
  if (owner !== undefined && !mapped) return { check, result: 'fail', code: 'CAP_IN_WRONG_USER_NAMESPACE', detail: `${who}; the owner is not mapped in the debugger's user namespace, so CAP_DAC_OVERRIDE there would not count` };
  return { check, result: 'fail', code: 'NO_CAP_DAC_OVERRIDE', detail: `${who}; no CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH` };
}

/** Real, effective and saved IDs: one number when they agree. */
const ids = (q: ProcCreds['uid']): string => (q.real === q.effective && q.real === q.saved ? String(q.real) : `${q.real},${q.effective},${q.saved}`);

const inMap = (id: number, map: ProcCreds['uidMap']): boolean => map.some((l) => id >= l.outside && id < l.outside + l.count);
