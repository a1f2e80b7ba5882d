// Reads one process from /proc: stat, status, cmdline, cgroup lines and namespace links.
import { closeSync, openSync, readFileSync, readSync, readlinkSync, readdirSync, statSync } from 'node:fs';
import type { NsRead, NsSet, NsType, ProcessInfo, ProcStat, ProcStatus } from '../model/types.js';
import { NS_TYPES } from '../model/types.js';
import { errnoOf, wrap } from '../model/errors.js';
import { type CgroupLine, parseCgroupFile, parseStat, parseStatus } from './parse.js';
import { procRootFromEnv } from './root.js';

// Every reader takes `root`, where procfs is mounted, last. Its default, the one the user named at
// start-up (NSINSPECT_PROC) or /proc, is read at call time for the callers that do not pass one
// yet (exec, metrics); the engine, the container index and the node scanner always pass theirs.

/** The reusable buffer of readSmallFile: 16 KiB holds any stat, status or cgroup file. */
const SCRATCH = Buffer.allocUnsafe(16 * 1024);

/**
 * A small pseudo-file (procfs, cgroupfs) as text. readFileSync allocates a 64 KiB buffer per call
 * for files of unknown size, and the agent reads thousands a second: this reads into one reused
 * buffer instead (a larger file gets a temporary one). Throws as readFileSync does (ENOENT, ESRCH…).
 */
export function readSmallFile(path: string, encoding: 'latin1' | 'utf8'): string {
  const fd = openSync(path, 'r');
  try {
    let buf = SCRATCH;
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) return buf.toString(encoding, 0, n);
      n += r;
      if (n === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 4);
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Errnos that mean "this process is gone or not ours to read": ordinary outcomes. */
const GONE = new Set(['ENOENT', 'ESRCH']);
const DENIED = new Set(['EACCES', 'EPERM']);

/** Runs a read that may fail because the process vanished or is hidden; undefined then. */
function tolerant<T>(doing: string, read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    const code = errnoOf(err);
    if (code !== undefined && (GONE.has(code) || DENIED.has(code))) return undefined;
    throw wrap(doing, err);
  }
}

export function readStat(pid: number, root = procRootFromEnv()): ProcStat | undefined {
  return tolerant(`reading stat of pid ${pid}`, () => parseStat(readSmallFile(`${root}/${pid}/stat`, 'latin1')));
}

export function readStatus(pid: number, root = procRootFromEnv()): ProcStatus | undefined {
  return tolerant(`reading status of pid ${pid}`, () => parseStatus(readSmallFile(`${root}/${pid}/status`, 'latin1')));
}

export function readCmdline(pid: number, root = procRootFromEnv()): string[] | undefined {
  return tolerant(`reading cmdline of pid ${pid}`, () => {
    const raw = readSmallFile(`${root}/${pid}/cmdline`, 'utf8');
    const args = raw.split('\0');
    if (args.at(-1) === '') args.pop();
    return args;
  });
}

export function readCgroupLines(pid: number, root = procRootFromEnv()): CgroupLine[] | undefined {
  return tolerant(`reading cgroup of pid ${pid}`, () => parseCgroupFile(readSmallFile(`${root}/${pid}/cgroup`, 'utf8')));
}

/** Start time in clock ticks, the PID-reuse guard: same pid + same start time = same process. */
export function readStartTime(pid: number, root = procRootFromEnv()): number | undefined {
  return readStat(pid, root)?.startTime;
}

/**
 * The pid allocator's state in procfs's pid namespace: forks since boot (/proc/stat "processes",
 * threads included, as they take pids too), the last pid handed out (/proc/loadavg) and pid_max.
 * and the tasks alive now. Between two readings, only pids after the first lastPid (cyclically)
 * can have been handed out, unless the allocator went round all of them. undefined when procfs
 * lacks one of them.
 */
export function readPidCounters(root = procRootFromEnv()): { forks: number; lastPid: number; tasks: number; pidMax: number } | undefined {
  try {
    const forks = /^processes (\d+)$/m.exec(readSmallFile(`${root}/stat`, 'latin1'))?.[1];
    // "0.10 0.20 0.30 2/183 1692": running/tasks (threads included), then the last pid.
    const f = readSmallFile(`${root}/loadavg`, 'latin1').trim().split(' ');
    const pidMax = readSmallFile(`${root}/sys/kernel/pid_max`, 'latin1').trim();
    const out = { forks: Number(forks), lastPid: Number(f[4]), tasks: Number(f[3]?.split('/')[1]), pidMax: Number(pidMax) };
    return Object.values(out).every(Number.isSafeInteger) ? out : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Inode of each namespace of pid. A vanished process or an EACCES link (as for /proc/1/ns/*
 * on some hosts) is reported in `unreadable`, never thrown. A type the kernel lacks is absent.
 */
export function readNamespaces(pid: number, types: readonly NsType[] = NS_TYPES, root = procRootFromEnv()): NsRead {
  const namespaces: NsSet = {};
  let found = 0;
  let unreadable: NsRead['unreadable'];
  for (const type of types) {
    let link: string;
    try {
      link = readlinkSync(`${root}/${pid}/ns/${type}`);
    } catch (err) {
      const code = errnoOf(err) ?? '';
      if (DENIED.has(code)) unreadable = 'denied';
      else if (!GONE.has(code)) throw wrap(`reading ${type} namespace of pid ${pid}`, err);
      continue;
    }
    // "net:[4026531840]": the inode sits between the brackets.
    namespaces[type] = Number(link.slice(link.indexOf('[') + 1, -1));
    found++;
  }
  if (found === 0 && unreadable === undefined) unreadable = 'gone';
  return unreadable ? { namespaces, unreadable } : { namespaces };
}

/**
 * The hot loop of the node counts: the inode of each of types into out (-1 where unreadable),
 * with no allocation but the link strings. Returns how many were read (0: gone or hidden).
 */
export function readNsInodes(pid: number, types: readonly NsType[], out: number[], root = procRootFromEnv()): number {
  const base = `${root}/${pid}/ns/`;
  let found = 0;
  for (let i = 0; i < types.length; i++) {
    let link: string;
    try {
      link = readlinkSync(base + types[i]);
    } catch {
      out[i] = -1; // gone (ENOENT, ESRCH) or denied (EACCES): ordinary per-process outcomes
      continue;
    }
    out[i] = Number(link.slice(link.indexOf('[') + 1, -1));
    found++;
  }
  return found;
}

/**
 * Everything ps needs about one process, or undefined when it vanished mid-read: three files
 * (stat: ppid, state, comm, start time; status: uid and NSpid; cmdline), each read into the
 * reused buffer, status scanned for its two lines rather than split into its fifty.
 */
export function readProcess(pid: number, root = procRootFromEnv()): ProcessInfo | undefined {
  const stat = tolerant(`reading stat of pid ${pid}`, () => psStat(readSmallFile(`${root}/${pid}/stat`, 'latin1')));
  if (!stat) return undefined;
  const status = tolerant(`reading status of pid ${pid}`, () => psStatus(readSmallFile(`${root}/${pid}/status`, 'latin1')));
  const cmdline = readCmdline(pid, root);
  if (!status || !cmdline) return undefined;
  return {
    pid,
    ppid: stat.ppid,
    uid: status.uid,
    state: stat.state,
    comm: stat.comm,
    cmdline,
    startTime: stat.startTime,
    nspid: status.nspid.length > 0 ? status.nspid : [pid],
  };
}

/** ppid, state, comm and start time of a stat line, as parseStat reads them, without splitting its 52 fields. */
function psStat(text: string): { ppid: number; state: string; comm: string; startTime: number } {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  // Fields after ") ": state is index 0, ppid 1, starttime 19.
  let at = close + 2;
  let state = '';
  let ppid = '';
  for (let i = 0; open >= 0 && close > open && i < 19; i++) {
    const end = text.indexOf(' ', at);
    if (end < 0) break;
    if (i === 0) state = text.slice(at, end);
    else if (i === 1) ppid = text.slice(at, end);
    at = end + 1;
  }
  const end = text.indexOf(' ', at);
  const start = text.slice(at, end < 0 ? undefined : end);
  if (!/^[A-Za-z]$/.test(state) || !/^\d+$/.test(ppid) || !/^\d+$/.test(start)) return parseStat(text); // malformed: the full parser says why
  return { ppid: Number(ppid), state, comm: text.slice(open + 1, close), startTime: Number(start) };
}

/**
 * The real uid and NSpid chain of a status file, as parseStatus reads them (the last line of each
 * wins; NSpid absent before Linux 4.1), looking up only those two lines. Name is the first line,
 * so every key searched for follows a newline.
 */
function psStatus(text: string): { uid: number; nspid: number[] } {
  const field = (key: string): string | undefined => {
    const at = text.lastIndexOf(`\n${key}:`);
    if (at < 0) return undefined;
    const end = text.indexOf('\n', at + 1);
    return text.slice(at + key.length + 2, end < 0 ? undefined : end).trim();
  };
  const uidText = field('Uid')?.split(/\s+/)[0];
  if (uidText === undefined || !/^\d+$/.test(uidText)) return parseStatus(text); // malformed: the full parser says why
  const ns = field('NSpid');
  const nspid = ns === undefined || ns === '' ? [] : ns.split(/\s+/).map(Number);
  if (nspid.some((n) => !Number.isSafeInteger(n))) return parseStatus(text);
  return { uid: Number(uidText), nspid };
}

/** All PIDs (thread-group leaders) in /proc, ascending. */
export function listPids(root = procRootFromEnv()): number[] {
  const pids: number[] = [];
  for (const name of readdirSync(root)) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) pids.push(Number(name));
  }
  return pids.sort((a, b) => a - b);
}

/** Clock ticks per second for start times. Linux has used 100 on every mainstream arch. */
export const CLOCK_TICKS = 100;

/** Boot time in seconds since the epoch, from /proc/stat "btime"; fixed until reboot, so read once per root. */
const bootTimes = new Map<string, number>();
export function readBootTime(root = procRootFromEnv()): number {
  let bootTime = bootTimes.get(root);
  if (bootTime === undefined) {
    const m = /^btime (\d+)$/m.exec(readFileSync(`${root}/stat`, 'utf8'));
    bootTime = m ? Number(m[1]) : 0;
    bootTimes.set(root, bootTime);
  }
  return bootTime;
}

/** The owner uid of a process's /proc directory (its effective uid), or undefined if gone. */
export function readOwnerUid(pid: number, root = procRootFromEnv()): number | undefined {
  return tolerant(`reading owner of pid ${pid}`, () => statSync(`${root}/${pid}`).uid);
}

/**
 * One thread's scan: calls visit(pid, type, inode) for every readable namespace link of every pid,
 * with no per-process allocation. Unreadable and vanished links are skipped. The agent reads links
 * with ns-scan.ts; this stays for bench/ps.ts's "before" path only.
 */
export function scanNamespaceLinks(pids: readonly number[], types: readonly NsType[], visit: (pid: number, type: NsType, inode: number) => void, root = procRootFromEnv()): void {
  for (const pid of pids) {
    const base = `${root}/${pid}/ns/`;
    for (const type of types) {
      let link: string;
      try {
        link = readlinkSync(base + type);
      } catch {
        continue; // gone (ENOENT, ESRCH) or denied (EACCES): ordinary per-process outcomes
      }
      visit(pid, type, Number(link.slice(link.indexOf('[') + 1, -1)));
    }
  }
}

/** Whether a process's environment holds exactly `entry` ("NAME=value"); false if gone or hidden. */
export function environHas(pid: number, entry: string, root = procRootFromEnv()): boolean {
  return tolerant(`reading environ of pid ${pid}`, () => readFileSync(`${root}/${pid}/environ`, 'latin1').split('\0').includes(entry)) ?? false;
}

/** The working directory of a process (a containerd shim's is its bundle); undefined when gone or hidden. */
export function readCwd(pid: number, root = procRootFromEnv()): string | undefined {
  return tolerant(`reading cwd of pid ${pid}`, () => readlinkSync(`${root}/${pid}/cwd`));
}

/** PIDs whose comm is exactly `comm` (a full scan of /proc: for rare lookups only). */
export function pidsNamed(comm: string, root = procRootFromEnv()): number[] {
  return listPids(root).filter((pid) => readStat(pid, root)?.comm === comm);
}

/** A small file as process `pid` sees it (through its root, so in its mount namespace); undefined when absent or gone. */
export function readFileSeenBy(pid: number, path: string, root = procRootFromEnv()): string | undefined {
  if (!path.startsWith('/')) return undefined;
  return tolerant(`reading ${path} as pid ${pid} sees it`, () => {
    try {
      return readSmallFile(`${root}/${pid}/root${path}`, 'utf8');
    } catch (err) {
      if (errnoOf(err) === 'ENOTDIR') return undefined;
      throw err;
    }
  });
}

/** A directory's entries as process `pid` sees it (through its root); [] when absent, gone or hidden. */
export function listDirSeenBy(pid: number, dir: string, root = procRootFromEnv()): string[] {
  if (!dir.startsWith('/')) return [];
  try {
    return readdirSync(`${root}/${pid}/root${dir}`);
  } catch {
    return [];
  }
}
