// Owns the lsns benchmark's result types and their rendering as a human table.
import type { LoadInfo } from './load.js';
import type { Series } from './measure.js';
import type { ProfileSummary } from './profile.js';

export interface Pct { p50: number; p99: number; max: number }

export interface SizeResult {
  name: string;
  load: LoadInfo & { teardownMs: number; memAvailableDropMiB: number };
  procsOnNode: number;
  /** Share of the inventory phase in which some task waited for a CPU (PSI): high = noisy neighbours. */
  cpuStallPct: number;
  namespaces: { ours: number; lsns: number; floor: number };
  /** Wall ms; the *Cpu series are the same runs' CPU time (user + sys) of the child process. */
  inventory: { cli: Series; engine: Series; lsns: Series; floor: Series; floorInProcess: Series; cliCpu: Series; lsnsCpu: Series; floorCpu: Series };
  ratios: {
    lsnsOverCli: number; cliOverFloor: number; engineOverFloorInProcess: number;
    lsnsOverCliMin: number; cliOverFloorMin: number; lsnsOverCliCpu: number; cliOverFloorCpu: number;
  };
  lookup: { warm: Pct; fresh: Pct };
  profile?: ProfileSummary & { inclusiveMs: Record<string, number> };
}

export interface Target { target: string; value: number; pass: boolean }

export interface Meta {
  issue: string;
  date: string;
  argv: string[];
  machine: Record<string, string | number>;
  limits: Record<string, string>;
  runs: { cli: number; lsns: number; lookupIters: number };
  procsBefore: number;
  procsAfter?: number;
}

export function pad(rows: string[][]): string {
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(w[c]) : cell.padStart(w[c]))).join('   ')).join('\n');
}

export function renderReport(meta: Meta, sizes: SizeResult[], targets: Target[]): string {
  const { machine: m, limits: lim, runs } = meta;
  const ms = (x: Series): string => `${x.median.toFixed(1)} (${x.min.toFixed(1)})`;
  const x2 = (n: number): string => `${n.toFixed(2)}x`;
  const col = (f: (s: SizeResult) => string): string[] => sizes.map(f);
  const rows: string[][] = [
    ['', ...col((s) => `${s.name}: ${s.procsOnNode} procs, ${s.namespaces.ours} ns`)],
    ['Full node inventory, wall ms: median (min)', ...col(() => '')],
    [`  nsinspect lsns -o json (CLI, ${runs.cli} runs)`, ...col((s) => ms(s.inventory.cli))],
    [`  util-linux lsns -J (${runs.lsns} runs)`, ...col((s) => ms(s.inventory.lsns))],
    [`  bare readlink loop, node -e (${runs.cli} runs)`, ...col((s) => ms(s.inventory.floor))],
    ['  new Engine().lsns(), in-process', ...col((s) => ms(s.inventory.engine))],
    ['  readlink loop, in-process', ...col((s) => ms(s.inventory.floorInProcess))],
    ['  ratio lsns -J / CLI    (want >= 10): median (min)', ...col((s) => `${x2(s.ratios.lsnsOverCli)} (${x2(s.ratios.lsnsOverCliMin)})`)],
    ['  ratio CLI / readlink   (want <= 1.5): median (min)', ...col((s) => `${x2(s.ratios.cliOverFloor)} (${x2(s.ratios.cliOverFloorMin)})`)],
    ['  ratio engine / readlink, in-process', ...col((s) => x2(s.ratios.engineOverFloorInProcess))],
    ['CPU ms (user+sys) of the same runs, median', ...col(() => '')],
    ['  CLI / lsns -J / readlink loop', ...col((s) => [s.inventory.cliCpu, s.inventory.lsnsCpu, s.inventory.floorCpu].map((c) => c.median.toFixed(0)).join(' / '))],
    ['  ratio lsns -J / CLI; CLI / readlink', ...col((s) => `${x2(s.ratios.lsnsOverCliCpu)}; ${x2(s.ratios.cliOverFloorCpu)}`)],
    ['  namespaces seen: ours / lsns / floor', ...col((s) => `${s.namespaces.ours} / ${s.namespaces.lsns} / ${s.namespaces.floor}`)],
    [`Container lookup, containerSubject, ${runs.lookupIters} iters`, ...col(() => '')],
    ['  warm index   p50 / p99 ms', ...col((s) => `${s.lookup.warm.p50.toFixed(3)} / ${s.lookup.warm.p99.toFixed(3)}`)],
    ['  fresh Engine p50 / p99 ms', ...col((s) => `${s.lookup.fresh.p50.toFixed(3)} / ${s.lookup.fresh.p99.toFixed(3)}`)],
    ['Load', ...col(() => '')],
    ['  CPU pressure stall during inventory (PSI some)', ...col((s) => `${s.cpuStallPct}%`)],
    ['  spawn / teardown s', ...col((s) => `${(s.load.spawnMs / 1000).toFixed(1)} / ${(s.load.teardownMs / 1000).toFixed(1)}`)],
    ['  groups x 2 new ns (uts+ipc); MemAvailable drop MiB', ...col((s) => `${s.load.groups} x 2; ${s.load.memAvailableDropMiB}`)],
  ];
  const head = [
    `nsinspect lsns benchmark (issue ${meta.issue})  ${meta.date}`,
    `machine: ${m.nproc} x ${m.cpuModel}, ${m.memoryMiB} MiB, ${m.kernel}, node ${m.node}, ${m.utilLinuxLsns}`,
    `limits: pid_max ${lim.pidMax}, threads-max ${lim.threadsMax}, RLIMIT_NPROC ${lim.rlimitNproc}, max_uts/ipc_namespaces ${lim.maxUtsNamespaces}/${lim.maxIpcNamespaces}, pids.max ${lim.ownPidsCgroupMax}`,
    `processes on the node before / after: ${meta.procsBefore} / ${meta.procsAfter ?? '?'}`,
  ];
  const tgt = targets.map((t) => `  ${t.pass ? 'PASS' : 'FAIL'}  ${t.target}: ${t.value}`);
  let out = [...head, '', pad(rows), '', `Targets (at ${sizes.at(-1)?.name}; wall-time medians):`, ...tgt].join('\n') + '\n';
  const p = sizes.at(-1)?.profile;
  if (p) {
    out += `\nCPU profile of one CLI run (${p.sampledMs} ms sampled, ${p.file}):\n`;
    out += `  inclusive ms: ${Object.entries(p.inclusiveMs).map(([k, v]) => `${k} ${v}`).join(', ')}\n`;
    out += pad([['  top self time', 'self ms', 'total ms'], ...p.functions.map((f) => [`  ${f.fn}`, String(f.selfMs), String(f.totalMs)])]) + '\n';
  }
  return out;
}
