// Owns the agent benchmark's process facts (calm check, RSS, CPU time, machine) and its printed table of results and targets.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { machine } from './measure.js';
import { pad } from './report.js';
import type { LoadResult } from './agent-load.js';
import { type FunctionTime, summarize } from './profile.js';

/** The machine is calm when another benchmark is not running: few processes and a low load average. */
export interface Calm { phase: string; calm: boolean; procs: number; ours: number; load1: number; waitedS: number }

export const CALM = { procs: 500, load1: 3 };

export function procCount(): number {
  let n = 0;
  for (const d of readdirSync('/proc')) if (d.charCodeAt(0) >= 48 && d.charCodeAt(0) <= 57) n++;
  return n;
}

const load1 = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

/** Waits up to maxS seconds for calm; our own lab processes (ours()) do not count. Says so when it gives up. */
export async function waitCalm(phase: string, maxS: number, ours: () => number, quiet = false): Promise<Calm> {
  const t0 = performance.now();
  let said = false;
  for (;;) {
    const o = ours();
    const c: Calm = { phase, calm: false, procs: procCount() - o, ours: o, load1: load1(), waitedS: Math.round((performance.now() - t0) / 1000) };
    c.calm = c.procs < CALM.procs && c.load1 < CALM.load1;
    if (c.calm || c.waitedS >= maxS) {
      if (!c.calm && !quiet) console.log(`  NOT CALM before ${phase}: ${c.procs} other processes, load ${c.load1}; measuring anyway`);
      return c;
    }
    if (!said) console.log(`  waiting for calm before ${phase}: ${c.procs} other processes, load ${c.load1} (want < ${CALM.procs}, < ${CALM.load1})`);
    said = true;
    await new Promise((r) => setTimeout(r, 5000));
  }
}

/** utime + stime of a process in ms (CLK_TCK 100). */
export function cpuMsOf(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** Resident set size now, and its high-water mark, in MiB. */
export function rssOf(pid: number): { rssMiB: number; hwmMiB: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
  return { rssMiB: Math.round(kb('VmRSS') / 102.4) / 10, hwmMiB: Math.round(kb('VmHWM') / 102.4) / 10 };
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

/** Newest build time under dist/agent: another engineer's `tsc` between two agent starts shows here. */
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

export function machineInfo(): Record<string, string | number> {
  const { utilLinuxLsns: _, ...m } = machine('');
  return m;
}

interface PhaseLike { name: string; calm: Calm; load?: LoadResult; agentCpuMsPerReq?: number }
export interface AgentResult {
  date: string;
  code: string;
  codeAtEnd: string;
  machine: Record<string, string | number>;
  setup: { pods: number; containers: number; labProcesses: number; setupS: number; connections: number; logLevel: string; agentNodeOptions: string };
  calm: { before: Calm; after: Calm };
  apiRequests: { afterWarmFetch: Record<string, number>; atEnd: Record<string, number> };
  phases: PhaseLike[];
  metrics: { calm: Calm; scrapes: number; medianMs: number; p99Ms: number; maxMs: number; bytes: number; samples: number; agentCpuMsPerScrape: number };
  rss: { startMiB: number; afterWarmupMiB: number; endMiB: number; peakMiB: number };
  profiles?: AgentProfile[];
}

/** The agent's own modules: their inclusive times say where a request's CPU goes. */
const OURS = /^\S+ (engine|pod-inspector|containers|cgroupfs|cgroup-path|sandbox|proc|parse|registry|pods|expected|findings|host|auth|errors)\.js:/;

export interface AgentProfile { kind: string; code?: string; file: string; units: number; sampledMs: number; top: FunctionTime[]; ours: Array<FunctionTime & { perUnitMs: number }> }

/** Top self time, and the agent functions with the most inclusive time, also per request (or scrape). */
export function profileOf(kind: string, file: string, units: number): AgentProfile {
  const all = summarize(file, Number.MAX_SAFE_INTEGER);
  const ours = all.functions.filter((f) => OURS.test(f.fn)).sort((a, b) => b.totalMs - a.totalMs).slice(0, 14);
  return {
    kind, file, units, sampledMs: all.sampledMs, top: all.functions.slice(0, 10),
    ours: ours.map((f) => ({ ...f, perUnitMs: Math.round((f.totalMs / Math.max(1, units)) * 1000) / 1000 })),
  };
}

export function targets(r: AgentResult): Array<{ target: string; value: string; pass: boolean }> {
  const diff = r.phases.find((p) => p.name === 'diff')?.load;
  const ok = (l?: LoadResult): boolean => l !== undefined && (l.status['200'] ?? 0) === l.requests && l.errors === 0;
  return [
    { target: 'diff throughput >= 2000 req/s (all 200)', value: `${diff?.reqPerSec} req/s`, pass: ok(diff) && (diff?.reqPerSec ?? 0) >= 2000 },
    { target: 'diff p99 latency <= 20 ms', value: `${diff?.latencyMs.p99} ms`, pass: (diff?.latencyMs.p99 ?? Infinity) <= 20 },
    { target: `/metrics scrape p99 <= 100 ms (${r.setup.containers} containers)`, value: `${r.metrics.p99Ms} ms (median ${r.metrics.medianMs})`, pass: r.metrics.p99Ms <= 100 },
    { target: 'agent RSS after sustained load <= 120 MiB', value: `${r.rss.endMiB} MiB (peak ${r.rss.peakMiB})`, pass: r.rss.endMiB <= 120 },
  ];
}

export function renderAgent(r: AgentResult): string {
  const m = r.machine;
  const calmText = (c: Calm): string => `${c.calm ? 'calm' : 'NOT CALM'} (${c.procs} procs, load ${c.load1})`;
  const rows: string[][] = [['phase', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'non-200', 'agent CPU ms/req', 'machine before']];
  for (const p of r.phases) {
    const l = p.load;
    if (!l) continue;
    const bad = l.requests - (l.status['200'] ?? 0) + l.errors;
    rows.push([p.name, l.reqPerSec.toFixed(0), l.latencyMs.p50.toFixed(2), l.latencyMs.p90.toFixed(2), l.latencyMs.p99.toFixed(2), l.latencyMs.max.toFixed(1), String(bad), String(p.agentCpuMsPerReq), calmText(p.calm)]);
  }
  const sus = r.phases.find((p) => p.name.startsWith('sustained'))?.load?.scrapes;
  const lines = [
    `nsinspect agent benchmark (issue 2/6)  ${r.date}  code ${r.code}${r.codeAtEnd !== r.code ? `; CHANGED during the run, now ${r.codeAtEnd}` : ''}`,
    `machine: ${m.nproc} x ${m.cpuModel}, ${m.memoryMiB} MiB, ${m.kernel}, node ${m.node}`,
    `setup: ${r.setup.pods} lab pods = ${r.setup.containers} runc containers (${r.setup.labProcesses} processes) in ${r.setup.setupS} s; ` +
      `agent = node dist/cli/main.js agent --auth kubernetes (fake API server), LOG_LEVEL=${r.setup.logLevel}${r.setup.agentNodeOptions ? `, NODE_OPTIONS=${r.setup.agentNodeOptions}` : ''}; autocannon ${r.setup.connections} connections in its own process`,
    `machine before: ${calmText(r.calm.before)}`,
    '',
    pad(rows),
    '',
    `/metrics (${r.metrics.scrapes} sequential scrapes, agent idle): median ${r.metrics.medianMs} ms, p99 ${r.metrics.p99Ms} ms, max ${r.metrics.maxMs} ms; ` +
      `${r.metrics.bytes} bytes, ${r.metrics.samples} samples; agent CPU ${r.metrics.agentCpuMsPerScrape} ms/scrape; ${calmText(r.metrics.calm)}`,
    ...(sus ? [`/metrics during sustained load (every 15 s): ${sus.n} scrapes, median ${sus.medianMs} ms, max ${sus.maxMs} ms, ${sus.failed} failed`] : []),
    `agent RSS (VmRSS of the agent process): start ${r.rss.startMiB} MiB, after warm-up ${r.rss.afterWarmupMiB} MiB, end ${r.rss.endMiB} MiB, peak (VmHWM) ${r.rss.peakMiB} MiB`,
    `API server requests by the agent: after the first pass ${JSON.stringify(r.apiRequests.afterWarmFetch)}, at the end ${JSON.stringify(r.apiRequests.atEnd)}`,
    '',
    'Targets:',
    ...targets(r).map((t) => `  ${t.pass ? 'PASS' : 'FAIL'}  ${t.target}: ${t.value}`),
  ];
  for (const p of r.profiles ?? []) {
    lines.push('', `CPU profile of an agent serving only ${p.kind}, code ${p.code} (${p.units} ${p.kind === 'metrics' ? 'scrapes' : 'requests'}, ${p.sampledMs} ms sampled, ${p.file}):`);
    const top = p.top.map((f) => [`  ${f.fn}`, String(f.selfMs), String(f.totalMs), '']);
    const ours = p.ours.map((f) => [`  ${f.fn}`, String(f.selfMs), String(f.totalMs), f.perUnitMs.toFixed(3)]);
    lines.push(pad([['  top self time', 'self ms', 'total ms', ''], ...top, ['  agent functions, by inclusive time', 'self ms', 'total ms', 'ms per unit'], ...ours]));
  }
  return lines.join('\n') + '\n';
}
