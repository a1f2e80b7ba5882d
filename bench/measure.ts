// Owns the benchmark's timing primitives: timed child processes, the readlink floor, percentiles, host facts.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import { createServer, type AddressInfo } from 'node:net';

export interface Timed {
  ms: number;
  /** CPU time (user + sys) of the child, 10 ms resolution: robust where wall time suffers from neighbours. */
  cpuMs: number;
  stdout: string;
}

/** cutime + cstime of this process in ms: the CPU time of the children it has reaped (CLK_TCK is 100). */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 (cutime, cstime) are 13 and 14 after comm.
  return (Number(f[13]) + Number(f[14])) * 10;
}

/** Runs argv to completion, timing from spawn to exit; stdout is collected (and parsed by callers). */
export function timeCommand(argv: readonly string[], cwd: string): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let stderr = '';
    const cpu0 = childrenCpuMs();
    const t0 = performance.now();
    const kid = spawn(argv[0], argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    kid.stdout.on('data', (d: Buffer) => chunks.push(d));
    kid.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    kid.on('error', reject);
    kid.on('close', (code, signal) => {
      const ms = performance.now() - t0;
      if (code !== 0) reject(new Error(`${argv.join(' ').slice(0, 80)} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
      else resolve({ ms, cpuMs: childrenCpuMs() - cpu0, stdout: Buffer.concat(chunks).toString() });
    });
  });
}

const NS = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'];

/**
 * The floor: the least a Node program can do for a node-wide inventory. One readlink per
 * /proc/<pid>/ns/<type>, counted per link; prints the number of distinct namespaces.
 * Runs as `node -e` so it pays the same node startup as our CLI.
 */
export const FLOOR_SCRIPT = `const fs = require('fs');
const T = ${JSON.stringify(NS)};
const seen = new Map();
for (const d of fs.readdirSync('/proc')) {
  const c = d.charCodeAt(0);
  if (c < 48 || c > 57) continue;
  for (const t of T) {
    let l;
    try { l = fs.readlinkSync('/proc/' + d + '/ns/' + t); } catch { continue; }
    seen.set(l, (seen.get(l) || 0) + 1);
  }
}
process.stdout.write(seen.size + '\\n');`;

/** The same loop in-process (no node startup), to split the CLI's time into startup and work. */
export function floorInProcess(): number {
  const seen = new Map<string, number>();
  for (const d of readdirSync('/proc')) {
    const c = d.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    for (const t of NS) {
      let l: string;
      try {
        l = readlinkSync(`/proc/${d}/ns/${t}`);
      } catch {
        continue;
      }
      seen.set(l, (seen.get(l) ?? 0) + 1);
    }
  }
  return seen.size;
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const median = (samples: readonly number[]): number => {
  const s = [...samples].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export interface Series {
  runs: number[];
  median: number;
  /** The least disturbed run: a noise-robust companion to the median on a shared machine. */
  min: number;
}

export const series = (runs: number[]): Series => ({ runs: runs.map(round), median: round(median(runs)), min: round(Math.min(...runs)) });
export const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

function readOr(path: string, fallback = '?'): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

/** The machine, as the results file describes it. */
export function machine(lsnsVersion: string): Record<string, string | number> {
  const cpu = /^model name\s*:\s*(.*)$/m.exec(readOr('/proc/cpuinfo'))?.[1] ?? os.cpus()[0]?.model ?? '?';
  const mem = /^MemTotal:\s*(\d+) kB$/m.exec(readOr('/proc/meminfo'))?.[1];
  return {
    nproc: os.availableParallelism(),
    cpuModel: cpu,
    memoryMiB: mem ? Math.round(Number(mem) / 1024) : 0,
    kernel: `${os.type()} ${os.release()} ${os.machine()}`,
    node: process.version,
    utilLinuxLsns: lsnsVersion,
  };
}

/** Cumulative CPU pressure stall (PSI "some" total, µs): its growth over a window shows contention from others. */
export function cpuStallUs(): number {
  return Number(/^some .*total=(\d+)/m.exec(readOr('/proc/pressure/cpu', ''))?.[1] ?? NaN);
}

/** MemAvailable in MiB, to show what the load costs. */
export function memAvailableMiB(): number {
  const kb = /^MemAvailable:\s*(\d+) kB$/m.exec(readOr('/proc/meminfo'))?.[1];
  return kb ? Math.round(Number(kb) / 1024) : 0;
}

/** The limits that cap how many processes and namespaces the load can make. */
export function limits(): Record<string, string> {
  const own = readOr('/proc/self/cgroup').split('\n').find((l) => /:pids:/.test(l))?.split(':')[2];
  const maxProcs = /^Max processes\s+(\S+)\s+(\S+)/m.exec(readOr('/proc/self/limits'));
  return {
    pidMax: readOr('/proc/sys/kernel/pid_max'),
    threadsMax: readOr('/proc/sys/kernel/threads-max'),
    rlimitNproc: maxProcs ? `${maxProcs[1]}/${maxProcs[2]}` : '?',
    maxUtsNamespaces: readOr('/proc/sys/user/max_uts_namespaces'),
    maxIpcNamespaces: readOr('/proc/sys/user/max_ipc_namespaces'),
    ownPidsCgroupMax: own === undefined ? 'n/a' : readOr(`/sys/fs/cgroup/pids${own === '/' ? '' : own}/pids.max`, 'max (root)'),
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago, for an agent the bench starts. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
