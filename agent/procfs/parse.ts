// Pure parsers for procfs text: stat, status, cgroup, mountinfo and ns links. No I/O here.
import type { NsType, ProcStat, ProcStatus } from '../model/types.js';
import { isNsType } from '../model/types.js';

export class ParseError extends Error {
  constructor(what: string, reason: string) {
    super(`parsing ${what}: ${reason}`);
    this.name = 'ParseError';
  }
}

/** A non-negative decimal as the kernel prints it (no sign, no leading zero), exact in a double. */
function int(s: string | undefined, what: string): number {
  if (s === undefined || !/^(0|[1-9]\d{0,15})$/.test(s)) throw new ParseError(what, `not an integer: ${JSON.stringify(s?.slice(0, 40))}`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new ParseError(what, `too large: ${s}`);
  return n;
}

/**
 * /proc/<pid>/stat. comm sits between the first '(' and the LAST ')', and may hold spaces,
 * parens and newlines; the numbered fields are split after that last ')'.
 */
export function parseStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new ParseError('stat', 'no (comm)');
  const pid = int(text.slice(0, open).trim(), 'stat pid');
  const comm = text.slice(open + 1, close);
  // Fields 3.. follow ") ". Field 22 (starttime) is index 19 of the rest.
  const rest = text.slice(close + 2).trimEnd().split(' ');
  if (rest.length < 20) throw new ParseError('stat', `truncated after comm (${rest.length} fields)`);
  const state = rest[0] ?? '';
  if (!/^[A-Za-z]$/.test(state)) throw new ParseError('stat', `bad state ${JSON.stringify(state)}`);
  return { pid, comm, state, ppid: int(rest[1], 'stat ppid'), pgrp: int(rest[2], 'stat pgrp'), session: int(rest[3], 'stat session'), startTime: int(rest[19], 'stat starttime') };
}

/** /proc/<pid>/status: real uid, PPid and the NSpid chain (outermost first). */
export function parseStatus(text: string): ProcStatus {
  let uid: number | undefined;
  let ppid: number | undefined;
  let nspid: number[] | undefined;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (key === 'Uid') uid = int(value.split(/\s+/)[0], 'status Uid');
    else if (key === 'PPid') ppid = int(value, 'status PPid');
    else if (key === 'NSpid') nspid = value.split(/\s+/).map((v) => int(v, 'status NSpid'));
    // The last occurrence wins: "Name:" comes first, so even a comm that smuggled a
    // "\nUid:" line past the kernel's escaping could not override the real one below it.
  }
  if (uid === undefined) throw new ParseError('status', 'no Uid line');
  if (ppid === undefined) throw new ParseError('status', 'no PPid line');
  // NSpid is missing on kernels before 4.1: the process then sees only its host PID.
  return { uid, ppid, nspid: nspid ?? [] };
}

export interface CgroupLine {
  hierarchy: number;
  controllers: string[];
  path: string;
}

/** /proc/<pid>/cgroup: "id:controllers:path". The path may itself hold colons. */
export function parseCgroupFile(text: string): CgroupLine[] {
  const out: CgroupLine[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const a = line.indexOf(':');
    const b = a < 0 ? -1 : line.indexOf(':', a + 1);
    if (b < 0) throw new ParseError('cgroup', `bad line ${JSON.stringify(line)}`);
    const path = line.slice(b + 1);
    if (!path.startsWith('/')) throw new ParseError('cgroup', `relative path in ${JSON.stringify(line)}`);
    out.push({
      hierarchy: int(line.slice(0, a), 'cgroup hierarchy id'),
      controllers: line.slice(a + 1, b) === '' ? [] : line.slice(a + 1, b).split(','),
      path,
    });
  }
  return out;
}

/** "net:[4026531840]" -> { type: 'net', inode: 4026531840 }, or undefined for other shapes. */
export function parseNsLink(link: string): { type: NsType; inode: number } | undefined {
  const [, type, inode] = /^([a-z_]+):\[(0|[1-9]\d{0,15})\]$/.exec(link) ?? [];
  if (type === undefined || !isNsType(type) || !Number.isSafeInteger(Number(inode))) return undefined;
  return { type, inode: Number(inode) };
}

export interface CgroupMount {
  mountPoint: string;
  /** The cgroup this mount shows as its root: "/" unless mounted inside a cgroup namespace. */
  root: string;
  version: 1 | 2;
  /** v1 only: controllers or "name=systemd". */
  controllers: string[];
}

/** Unescapes the octal escapes (\040 for space) that mountinfo uses in paths. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** The cgroup mounts listed in /proc/self/mountinfo. */
export function parseCgroupMounts(text: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    const fstype = post[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const [, , , root, mountPoint] = pre;
    if (root === undefined || mountPoint === undefined) throw new ParseError('mountinfo', `short line ${JSON.stringify(line)}`);
    const mount: CgroupMount = {
      mountPoint: unescapeMount(mountPoint),
      root: unescapeMount(root),
      version: fstype === 'cgroup2' ? 2 : 1,
      controllers: [],
    };
    if (fstype === 'cgroup') {
      const opts = (post[2] ?? '').split(',');
      mount.controllers = opts.filter((o) => o !== 'rw' && o !== 'ro' && !o.includes('=') ? isController(o) : o.startsWith('name='));
    }
    out.push(mount);
  }
  return out;
}

const V1_CONTROLLERS = new Set([
  'cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio', 'blkio',
  'perf_event', 'hugetlb', 'pids', 'rdma', 'misc',
]);
function isController(o: string): boolean {
  return V1_CONTROLLERS.has(o);
}
