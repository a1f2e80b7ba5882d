// Owns the facts about the machine and the code a result file records: CPU, memory, kernel, limits, load, commit.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';

export function readOr(path: string, fallback = '?'): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

/** Every process on the node, as lsns and nsinspect see them: the numeric entries of /proc. */
export function procCount(): number {
  let n = 0;
  for (const d of readdirSync('/proc')) if (d.charCodeAt(0) >= 48 && d.charCodeAt(0) <= 57) n++;
  return n;
}

export type Machine = Record<string, string | number>;

/** The machine, as every results file describes it (util-linux's version when the scenario uses lsns). */
export function machine(lsnsVersion?: string): Machine {
  const cpu = /^model name\s*:\s*(.*)$/m.exec(readOr('/proc/cpuinfo'))?.[1] ?? os.cpus()[0]?.model ?? '?';
  const mem = /^MemTotal:\s*(\d+) kB$/m.exec(readOr('/proc/meminfo'))?.[1];
  return {
    nproc: os.availableParallelism(),
    cpuModel: cpu,
    memoryMiB: mem ? Math.round(Number(mem) / 1024) : 0,
    kernel: `${os.type()} ${os.release()} ${os.machine()}`,
    node: process.version,
    ...(lsnsVersion === undefined ? {} : { utilLinuxLsns: lsnsVersion }),
  };
}

/** One line for a report's head. */
export const machineLine = (m: Machine): string => `machine: ${m.nproc} x ${m.cpuModel}, ${m.memoryMiB} MiB, ${m.kernel}, node ${m.node}${m.utilLinuxLsns ? `, ${m.utilLinuxLsns}` : ''}`;

/** Cumulative CPU pressure stall (PSI "some" total, µs): its growth over a window shows contention from others. */
export function cpuStallUs(): number {
  return Number(/^some .*total=(\d+)/m.exec(readOr('/proc/pressure/cpu', ''))?.[1] ?? NaN);
}

/** MemAvailable in MiB, to show what a load costs. */
export function memAvailableMiB(): number {
  const kb = /^MemAvailable:\s*(\d+) kB$/m.exec(readOr('/proc/meminfo'))?.[1];
  return kb ? Math.round(Number(kb) / 1024) : 0;
}

/** The limits that cap how many processes and namespaces a load can make. */
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

/** The commit measured, and whether agent/, cli/ or lab/ differ from it: the tree may move under a long run. */
export function codeVersion(root: string): string {
  try {
    const git = (...a: string[]): string => execFileSync('git', ['-C', root, ...a], { encoding: 'utf8' }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'agent', 'cli', 'lab') ? ' (agent/, cli/ or lab/ modified)' : ''}`;
  } catch {
    return 'unknown';
  }
}

/** Newest build time under dist/agent: a rebuild between two agent starts shows here. */
export function distStamp(root: string): string {
  let newest = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(`${d}/${e.name}`);
      else if (e.name.endsWith('.js')) newest = Math.max(newest, statSync(`${d}/${e.name}`).mtimeMs);
    }
  };
  walk(`${root}/dist/agent`);
  return new Date(newest).toISOString();
}
