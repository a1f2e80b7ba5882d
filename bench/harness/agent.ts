// Owns the agent as the benchmarks run it: `nsinspect agent` in its own process, ready when its pods are synced; its CPU, RSS and stop.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './args.js';
import { freePort } from './measure.js';
import { onCleanup } from './run.js';

export interface AgentProc {
  child: ChildProcess;
  pid: number;
  url: string;
  /** undefined with metrics off. */
  metricsUrl?: string;
  /** The last 8 KiB the agent logged (stderr, and stdout unless it is discarded). */
  log: () => string;
  /** Lines logged at level error or fatal. */
  errorLines: () => number;
}

export interface AgentOptions {
  /** Kubeconfig of the fake API server; without one the agent is node-local, --auth none. */
  kubeconfig?: string;
  nodeName?: string;
  metrics?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Node flags before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Keep stdout (request logs) to count error lines; discarded otherwise (still formatted and written). */
  captureStdout?: boolean;
}

/** TERM, then KILL after 15 s; resolves once it has exited. */
export function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => c.kill('SIGKILL'), 15_000);
    c.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    c.kill('SIGTERM');
  });
}

/** Starts the production entry point, dist/cli/main.js agent, and waits for /readyz (pods synced when Kubernetes is on). */
export async function startAgent(o: AgentOptions = {}): Promise<AgentProc> {
  const [port, mport] = [await freePort(), await freePort()];
  const kube = o.kubeconfig ? ['--node-name', o.nodeName ?? 'bench-node', '--auth', 'kubernetes'] : ['--auth', 'none'];
  const args = [...(o.nodeArgs ?? []), join(ROOT, 'dist/cli/main.js'), 'agent', ...kube, '--listen', `127.0.0.1:${port}`, '--metrics-listen', o.metrics ? `127.0.0.1:${mport}` : 'off'];
  const env = { ...process.env, ...(o.kubeconfig ? { NSINSPECT_KUBECONFIG: o.kubeconfig } : {}), ...o.env };
  const child = spawn(process.execPath, args, { stdio: ['ignore', o.captureStdout ? 'pipe' : 'ignore', 'pipe'], env });
  onCleanup(() => stopChild(child));
  let log = '';
  let errors = 0;
  const onLog = (d: Buffer): void => {
    const s = d.toString();
    errors += (s.match(/"level":"(error|fatal)"/g) ?? []).length;
    log = (log + s).slice(-8000);
  };
  child.stdout?.on('data', onLog);
  child.stderr?.on('data', onLog);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the agent exited (${child.exitCode}): ${log.trim()}`);
    const ready = await fetch(`${url}/readyz`).then(async (r) => r.ok && (!o.kubeconfig || ((await r.json()) as { pods?: string }).pods === 'synced'), () => false);
    if (ready) return { child, pid: child.pid as number, url, ...(o.metrics ? { metricsUrl: `http://127.0.0.1:${mport}/metrics` } : {}), log: () => log, errorLines: () => errors };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the agent was not ready in 30 s: ${log.trim()}`);
}

const stat = (pid: number): string[] => {
  const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return s.slice(s.lastIndexOf(')') + 2).split(' ');
};

/** utime + stime of a process in ms (CLK_TCK 100). */
export function cpuMsOf(pid: number): number {
  const f = stat(pid);
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** Resident set size now, and its high-water mark, in MiB. */
export function rssOf(pid: number): { rssMiB: number; hwmMiB: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
  return { rssMiB: Math.round(kb('VmRSS') / 102.4) / 10, hwmMiB: Math.round(kb('VmHWM') / 102.4) / 10 };
}

export interface ProcessSample { rssMiB: number; fds: number; ptys: number; children: number; threads: number }

/** One look at the agent process from the outside, through /proc. */
export function sampleAgent(pid: number): ProcessSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  let fds = 0;
  let ptys = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    fds++;
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === '/dev/ptmx') ptys++;
    } catch {
      // closed meanwhile
    }
  }
  return { rssMiB: Math.round(kb('VmRSS') / 102.4) / 10, fds, ptys, children: descendants(pid).length, threads: kb('Threads') };
}

/** Every process descended from pid: what an exec session that leaked would leave. */
export function descendants(pid: number): number[] {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (d.charCodeAt(0) < 48 || d.charCodeAt(0) > 57) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'latin1');
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      const list = kids.get(ppid) ?? [];
      list.push(Number(d));
      kids.set(ppid, list);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const k of kids.get(p) ?? []) {
      out.push(k);
      walk(k);
    }
  };
  walk(pid);
  return out;
}
