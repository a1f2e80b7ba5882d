// The JSON shapes of the access answer: privileges side by side (masks as hex and names) and the verdicts.
import { CAP_SET_NAMES, type IdMapLine, type IdQuad, type NodeSecurity, type ProcCreds, type Tri, decodeCaps, mapIn } from '../model/creds.js';
import type { AccessCheck, AccessOp, AccessVerdict, BlockCode, FixAdmission } from '../model/access.js';
import type { AccessReport } from '../model/answers.js';
import type { PodAccess } from '../model/pod-view.js';
import { type SubjectJSON, subjectJSON } from './subject.js';
import { type PodRefJSON, podRefJSON } from './pod-ref.js';

export interface CapSetJSON {
  /** 16 hex digits, as /proc/<pid>/status prints it. */
  hex: string;
  names: string[];
}

export interface PrivilegesJSON {
  /** Host view (the initial user namespace). */
  uid: IdQuad;
  gid: IdQuad;
  groups: number[];
  /** The same IDs inside the process's own user namespace (65534 = unmapped there). */
  uidInside: IdQuad;
  gidInside: IdQuad;
  /** The process's IDs as the other side's user namespace sees them (65534 = unmapped). */
  uidAsOtherSees: IdQuad;
  userNs?: number;
  uidMap: IdMapLine[];
  gidMap: IdMapLine[];
  caps: Record<(typeof CAP_SET_NAMES)[number], CapSetJSON>;
  noNewPrivs: boolean;
  seccomp: { mode: 'disabled' | 'strict' | 'filter' | 'unknown'; filters?: number };
  lsm?: { module: string; label: string };
  dumpable: Tri;
}

export interface AccessSideJSON extends SubjectJSON {
  privileges: PrivilegesJSON;
}

/** One verdict as `diff -o json` carries it: no walk. */
export interface AccessSummaryJSON {
  op: AccessOp;
  allowed: Tri;
  blockedBy?: BlockCode;
  reason: string;
  fix?: string;
  /** When the pod's namespace is known: whether its Pod Security level (enforce label) admits the fix. */
  podSecurity?: FixAdmission;
}

export interface AccessCheckJSON {
  check: string;
  result: AccessCheck['result'];
  code?: BlockCode;
  detail: string;
}

export interface AccessVerdictJSON extends AccessSummaryJSON {
  checks: AccessCheckJSON[];
}

export interface NodeSecurityJSON {
  yama: boolean;
  ptraceScope?: number;
  perfEventParanoid?: number;
}

export interface AccessJSON {
  target: AccessSideJSON;
  debugger: AccessSideJSON;
  node: NodeSecurityJSON;
  verdicts: AccessVerdictJSON[];
}

const OVERFLOW = 65534;
const quadIn = (q: IdQuad, map: readonly IdMapLine[]): IdQuad => ({
  real: mapIn(q.real, map) ?? OVERFLOW,
  effective: mapIn(q.effective, map) ?? OVERFLOW,
  saved: mapIn(q.saved, map) ?? OVERFLOW,
  fs: mapIn(q.fs, map) ?? OVERFLOW,
});

export function privilegesJSON(c: ProcCreds, userNs: number | undefined, other: ProcCreds): PrivilegesJSON {
  const caps = Object.fromEntries(CAP_SET_NAMES.map((k) => [k, { hex: c.caps[k].toString(16).padStart(16, '0'), names: decodeCaps(c.caps[k]) }])) as PrivilegesJSON['caps'];
  const mode = c.seccomp === undefined ? 'unknown' : (['disabled', 'strict', 'filter'] as const)[c.seccomp];
  const p: PrivilegesJSON = {
    uid: c.uid, gid: c.gid, groups: c.groups,
    uidInside: quadIn(c.uid, c.uidMap), gidInside: quadIn(c.gid, c.gidMap), uidAsOtherSees: quadIn(c.uid, other.uidMap),
    uidMap: c.uidMap, gidMap: c.gidMap, caps, noNewPrivs: c.noNewPrivs,
    seccomp: c.seccompFilters === undefined ? { mode } : { mode, filters: c.seccompFilters },
    dumpable: c.dumpable,
  };
  if (userNs !== undefined) p.userNs = userNs;
  if (c.lsmLabel !== undefined) p.lsm = { module: c.lsm ?? 'other', label: c.lsmLabel };
  return p;
}

export function verdictJSON(v: AccessVerdict, withChecks: true): AccessVerdictJSON;
export function verdictJSON(v: AccessVerdict, withChecks: false): AccessSummaryJSON;
export function verdictJSON(v: AccessVerdict, withChecks: boolean): AccessSummaryJSON {
  const j: AccessSummaryJSON = { op: v.op, allowed: v.allowed, reason: v.reason };
  if (v.blockedBy) j.blockedBy = v.blockedBy;
  if (v.fix) j.fix = v.fix;
  if (v.podSecurity) j.podSecurity = { level: v.podSecurity.level, allowed: v.podSecurity.allowed, reason: v.podSecurity.reason };
  if (!withChecks) return j;
  const full: AccessVerdictJSON = { ...j, checks: v.checks.map((c) => ({ check: c.check, result: c.result, ...(c.code ? { code: c.code } : {}), detail: c.detail })) };
  return full;
}

function nodeJSON(n: NodeSecurity): NodeSecurityJSON {
  const j: NodeSecurityJSON = { yama: n.yama };
  if (n.ptraceScope !== undefined) j.ptraceScope = n.ptraceScope;
  if (n.perfEventParanoid !== undefined) j.perfEventParanoid = n.perfEventParanoid;
  return j;
}

/** Both sides' privileges (each as the other side's user namespace sees it too), the node's settings, every verdict with its walk. */
export function accessJSON(r: AccessReport): AccessJSON {
  const t = r.target;
  const d = r.debugger;
  return {
    target: { ...subjectJSON(t.subject), privileges: privilegesJSON(t.creds, t.subject.namespaces.user, d.creds) },
    debugger: { ...subjectJSON(d.subject), privileges: privilegesJSON(d.creds, d.subject.namespaces.user, t.creds) },
    node: nodeJSON(r.node),
    verdicts: r.verdicts.map((v) => verdictJSON(v, true)),
  };
}

/** GET /v1/pods/:namespace/:pod/access: the access answer for two containers of a pod. */
export interface PodAccessJSON extends AccessJSON {
  pod: PodRefJSON;
  targetContainer: string;
  debuggerContainer: string;
}

export function podAccessJSON(a: PodAccess): PodAccessJSON {
  return { pod: podRefJSON(a.pod), targetContainer: a.targetContainer, debuggerContainer: a.debuggerContainer, ...accessJSON(a) };
}
