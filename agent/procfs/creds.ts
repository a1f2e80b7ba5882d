// Reads a process's credentials from /proc (status, uid_map, gid_map, attr, owner) and the node's Yama/perf sysctls.
import { existsSync, statSync } from 'node:fs';
import type { CapSets, IdMapLine, IdQuad, NodeSecurity, ProcCreds, Tri } from '../model/creds.js';
import { NsinspectError, errnoOf, wrap } from '../model/errors.js';
import { readSmallFile } from './proc.js';
import { procRootFromEnv } from './root.js';
import { ParseError } from './parse.js';

/** What /proc/<pid>/status holds about credentials, parsed in one pass. */
export interface StatusCreds {
  uid: IdQuad;
  gid: IdQuad;
  groups: number[];
  caps: CapSets;
  noNewPrivs: boolean;
  seccomp?: 0 | 1 | 2;
  seccompFilters?: number;
  /** How many pid namespaces deep (the length of NSpid; 1 without NSpid, before kernel 4.1). */
  pidDepth: number;
}

function quad(v: string, what: string): IdQuad {
  const f = v.split(/\s+/).map((x) => num(x, what));
  const [real, effective, saved, fs] = f;
  if (f.length !== 4 || real === undefined || effective === undefined || saved === undefined || fs === undefined) throw new ParseError('status', `${what}: want 4 fields, got ${f.length}`);
  return { real, effective, saved, fs };
}

function num(s: string, what: string): number {
  if (!/^(0|[1-9]\d{0,10})$/.test(s)) throw new ParseError('status', `${what}: not an ID: ${JSON.stringify(s.slice(0, 40))}`);
  return Number(s);
}

function hex(s: string, what: string): bigint {
  if (!/^[0-9a-f]{1,16}$/.test(s)) throw new ParseError('status', `${what}: not a 64-bit hex mask: ${JSON.stringify(s.slice(0, 40))}`);
  return BigInt(`0x${s}`);
}

const CAP_KEYS = { CapInh: 'inheritable', CapPrm: 'permitted', CapEff: 'effective', CapBnd: 'bounding', CapAmb: 'ambient' } as const;

/** The credential lines of /proc/<pid>/status. Later lines win, as in parseStatus (comm comes first). */
export function parseStatusCreds(text: string): StatusCreds {
  let uid: IdQuad | undefined;
  let gid: IdQuad | undefined;
  let groups: number[] = [];
  const caps: Partial<CapSets> = {};
  let noNewPrivs = false;
  let seccomp: StatusCreds['seccomp'];
  let seccompFilters: number | undefined;
  let pidDepth = 1;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    const v = line.slice(colon + 1).trim();
    if (key === 'Uid') uid = quad(v, 'Uid');
    else if (key === 'Gid') gid = quad(v, 'Gid');
    else if (key === 'Groups') groups = v === '' ? [] : v.split(/\s+/).map((g) => num(g, 'Groups'));
    else if (key in CAP_KEYS) caps[CAP_KEYS[key as keyof typeof CAP_KEYS]] = hex(v, key);
    else if (key === 'NoNewPrivs') noNewPrivs = v === '1';
    else if (key === 'Seccomp') {
      if (v !== '0' && v !== '1' && v !== '2') throw new ParseError('status', `Seccomp: unknown mode ${JSON.stringify(v)}`);
      seccomp = Number(v) as 0 | 1 | 2;
    } else if (key === 'Seccomp_filters') seccompFilters = num(v, 'Seccomp_filters');
    else if (key === 'NSpid') pidDepth = Math.max(1, v.split(/\s+/).length);
  }
  if (!uid) throw new ParseError('status', 'no Uid line');
  if (!gid) throw new ParseError('status', 'no Gid line');
  for (const k of Object.values(CAP_KEYS)) {
    // CapAmb appeared in 4.3; before it the ambient set did not exist, which is the same as empty.
    if (caps[k] === undefined && k !== 'ambient') throw new ParseError('status', `no ${k} capability line`);
  }
  const out: StatusCreds = { uid, gid, groups, caps: { ambient: 0n, ...caps } as CapSets, noNewPrivs, pidDepth };
  if (seccomp !== undefined) out.seccomp = seccomp;
  if (seccompFilters !== undefined) out.seccompFilters = seccompFilters;
  return out;
}

/** uid_map / gid_map: "inside outside count" lines. */
export function parseIdMap(text: string): IdMapLine[] {
  const out: IdMapLine[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length === 1 && f[0] === '') continue;
    if (f.length !== 3 || !f.every((x) => /^\d{1,10}$/.test(x))) throw new ParseError('id map', `bad line ${JSON.stringify(line.slice(0, 80))}`);
    out.push({ inside: Number(f[0]), outside: Number(f[1]), count: Number(f[2]) });
  }
  return out;
}

/**
 * Dumpable from the owner of /proc/<pid>/status. The kernel (task_dump_owner, fs/proc/base.c) gives a
 * dumpable process's /proc files its euid/egid, and a non-dumpable one's the root of its mm's user
 * namespace (or global root if that is unmapped). When euid/egid already are that root, both give
 * the same owner: unknown. The mm's user namespace is approximated by the task's. The 0555
 * directories (/proc/<pid> itself) are exempt and always show euid, so a file is stat'ed.
 */
export function deriveDumpable(owner: { uid: number; gid: number }, uid: IdQuad, gid: IdQuad, uidMap: readonly IdMapLine[], gidMap: readonly IdMapLine[]): Tri {
  const rootUid = mapOut0(uidMap);
  const rootGid = mapOut0(gidMap);
  const isDumpOwner = owner.uid === uid.effective && owner.gid === gid.effective;
  const isRootOwner = owner.uid === rootUid && owner.gid === rootGid;
  if (isDumpOwner && isRootOwner) return 'unknown';
  if (isDumpOwner) return 'yes';
  if (isRootOwner) return 'no';
  // Credentials changed between the two reads (setuid mid-read): say so rather than guess.
  return 'unknown';
}

function mapOut0(map: readonly IdMapLine[]): number {
  const l = map.find((m) => m.inside === 0 && m.count > 0);
  return l ? l.outside : 0;
}

/** "system_u:system_r:spc_t:s0" is SELinux; "name (enforce)" or "unconfined" is AppArmor. */
export function lsmOf(label: string): ProcCreds['lsm'] {
  if (label === 'unconfined' || / \((enforce|complain|kill|unconfined|prompt)\)$/.test(label)) return 'apparmor';
  if (/^[^:\s]+:[^:\s]+:[^:\s]+(:.+)?$/.test(label)) return 'selinux';
  return 'other';
}

const GONE = new Set(['ENOENT', 'ESRCH']);

/**
 * Which attr files carry a label on this kernel: fixed at boot (so are the LSMs), so learned once
 * from the agent's own process. attr/current answers EINVAL when no LSM provides task labels.
 */
const labelFiles = new Map<string, string[]>();
function lsmAttrFiles(proc: string): string[] {
  let files = labelFiles.get(proc);
  if (files === undefined) {
    files = ['attr/apparmor/current', 'attr/current'].filter((f) => {
      try {
        readSmallFile(`${proc}/self/${f}`, 'latin1');
        return true;
      } catch {
        return false;
      }
    });
    labelFiles.set(proc, files);
  }
  return files;
}

/** The LSM label of pid, or undefined when no LSM labels tasks here (or this one has none). */
function readLabel(pid: number, proc: string): string | undefined {
  for (const f of lsmAttrFiles(proc)) {
    try {
      const v = readSmallFile(`${proc}/${pid}/${f}`, 'latin1').replace(/\0/g, '').trim();
      if (v !== '') return v;
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' || code === 'ESRCH') throw err; // the process went away: readCreds reports it
      if (code !== 'EINVAL' && code !== 'EOPNOTSUPP' && code !== 'EACCES' && code !== 'EPERM') throw err;
    }
  }
  return undefined;
}

/**
 * Everything about pid's privileges, in one pass over its /proc files. A process that vanished
 * mid-read is NOT_FOUND; one whose files are hidden (EACCES) is UNAVAILABLE.
 */
export function readCreds(pid: number, proc = procRootFromEnv()): ProcCreds {
  const doing = `reading credentials of pid ${pid}`;
  try {
    const st = parseStatusCreds(readSmallFile(`${proc}/${pid}/status`, 'latin1'));
    const uidMap = parseIdMap(readSmallFile(`${proc}/${pid}/uid_map`, 'latin1'));
    const gidMap = parseIdMap(readSmallFile(`${proc}/${pid}/gid_map`, 'latin1'));
    const s = statSync(`${proc}/${pid}/status`);
    const lsmLabel = readLabel(pid, proc);
    const procOwner = { uid: s.uid, gid: s.gid };
    const creds: ProcCreds = {
      pid, ...st, uidMap, gidMap, procOwner,
      dumpable: deriveDumpable(procOwner, st.uid, st.gid, uidMap, gidMap),
    };
    if (lsmLabel !== undefined) Object.assign(creds, { lsmLabel, lsm: lsmOf(lsmLabel) });
    return creds;
  } catch (err) {
    const code = errnoOf(err);
    if (code !== undefined && GONE.has(code)) throw new NsinspectError('NOT_FOUND', `${doing}: the process exited`, { hint: 'it may have restarted; look it up again', cause: err });
    if (code === 'EACCES' || code === 'EPERM') throw new NsinspectError('UNAVAILABLE', `${doing}: permission denied`, { hint: 'run as root with CAP_SYS_PTRACE', cause: err });
    if (err instanceof ParseError) throw new NsinspectError('INTERNAL', `${doing}: ${err.message}`, { cause: err });
    throw wrap(doing, err);
  }
}

function readSysctl(path: string): number | undefined {
  try {
    const v = readSmallFile(path, 'latin1').trim();
    return /^-?\d+$/.test(v) ? Number(v) : undefined;
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw wrap(`reading ${path}`, err);
  }
}

/** Whether Yama is active: built in or not at boot, so learned once per procfs root. */
const yamaPresent = new Map<string, boolean>();

/** The node's Yama ptrace_scope (Yama is absent when its sysctl is) and perf_event_paranoid. */
export function readNodeSecurity(proc = procRootFromEnv()): NodeSecurity {
  let yama = yamaPresent.get(proc);
  if (yama === undefined) yamaPresent.set(proc, (yama = existsSync(`${proc}/sys/kernel/yama/ptrace_scope`)));
  const scope = yama ? readSysctl(`${proc}/sys/kernel/yama/ptrace_scope`) : undefined;
  const paranoid = readSysctl(`${proc}/sys/kernel/perf_event_paranoid`);
  const out: NodeSecurity = { yama: scope !== undefined };
  if (scope !== undefined) out.ptraceScope = scope;
  if (paranoid !== undefined) out.perfEventParanoid = paranoid;
  return out;
}
