// Owns the timing primitives: timed child processes, interleaved rounds, percentiles, medians and ratios.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
    const [cmd = '', ...rest] = argv;
    const kid = spawn(cmd, rest, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
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

const sorted = (samples: readonly number[]): number[] => [...samples].sort((a, b) => a - b);

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN for none. */
export function percentile(samples: readonly number[], p: number): number {
  const s = sorted(samples);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

export function median(samples: readonly number[]): number {
  const s = sorted(samples);
  const m = s.length >> 1;
  const hi = s[m] ?? NaN;
  return s.length % 2 ? hi : ((s[m - 1] ?? NaN) + hi) / 2;
}

export const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

export interface Series {
  runs: number[];
  median: number;
  /** The least disturbed run: a noise-robust companion to the median on a shared machine. */
  min: number;
}

export const series = (runs: number[]): Series => ({ runs: runs.map((r) => round(r)), median: round(median(runs)), min: round(Math.min(...runs)) });
/** A series with its 90th percentile. */
export const series90 = (runs: number[]): Series & { p90: number } => ({ ...series(runs), p90: round(percentile(runs, 90)) });
/** "1.23x": a over b, medians. */
export const ratio = (a?: { median: number }, b?: { median: number }): string => (a && b ? `${(a.median / b.median).toFixed(2)}x` : 'n/a');

/** Warm-ups, then runs rounds; each round calls every function once, so drift hits all alike. Returns the kept samples per function. */
export async function interleave<T>(fns: Array<() => Promise<T>>, warmups: number, runs: number): Promise<T[][]> {
  const out = fns.map(() => [] as T[]);
  for (let r = 0; r < warmups + runs; r++) {
    for (const [i, f] of fns.entries()) {
      const x = await f();
      if (r >= warmups) out[i]?.push(x);
    }
  }
  return out;
}

export interface Cmd { name: string; argv: string[] }
export type CmdResult<C extends Cmd = Cmd> = C & { wall: Series; p90: number; cpu: Series };

/** Commands timed in interleaved rounds: wall time (median, min, p90) and the child's CPU time. */
export async function timeCommands<C extends Cmd>(cmds: C[], cwd: string, warmups: number, runs: number): Promise<Array<CmdResult<C>>> {
  const got = await interleave(cmds.map((c) => () => timeCommand(c.argv, cwd)), warmups, runs);
  return cmds.map((c, i) => {
    const t = got[i] ?? [];
    const wall = t.map((x) => x.ms);
    return { ...c, wall: series(wall), p90: round(percentile(wall, 90)), cpu: series(t.map((x) => x.cpuMs)) };
  });
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
