// The idle-cost scenario: the agent's node-count scans with ~11,000 processes, before (a full scan every 30 s) and after (incremental, full every 5 min).
import os from 'node:os';
import { NodeScanner } from '../agent/discovery/counts.js';
import { NS_TYPES, type NsType } from '../agent/model/types.js';
import { listPids, readNamespaces } from '../agent/procfs/proc.js';
import { args } from './harness/args.js';
import { Load } from './harness/load.js';
import { machine, procCount } from './harness/machine.js';
import { percentile, round } from './harness/measure.js';
import { now, writeResult } from './harness/report.js';
import { onCleanup, onExit, runBench } from './harness/run.js';

const opt = args('idle', { procs: '11000', namespaces: '600', rounds: '7', interval: '30', 'full-interval': '300' });
const [PROCS, NAMESPACES, ROUNDS, INTERVAL, FULL] = [opt.int('procs'), opt.int('namespaces'), opt.int('rounds'), opt.int('interval'), opt.int('full-interval')];
const log = (m: string): void => console.error(`[idle] ${m}`);

/** The scan as it was before the incremental one: every link of every process, every time. */
async function fullScanBefore(): Promise<Partial<Record<NsType, number>>> {
  const seen = Object.fromEntries(NS_TYPES.map((t) => [t, new Set<number>()])) as Record<NsType, Set<number>>;
  const pids = listPids();
  for (const [i, pid] of pids.entries()) {
    if (i > 0 && i % 500 === 0) await new Promise((r) => setImmediate(r));
    const { namespaces } = readNamespaces(pid);
    for (const t of NS_TYPES) if (namespaces[t] !== undefined) seen[t].add(namespaces[t] as number);
  }
  return Object.fromEntries(NS_TYPES.map((t) => [t, seen[t].size]));
}

/** CPU ms (user + sys) of this process while f runs: the agent's cost, robust to neighbours' wall-clock noise. */
async function cpuOf<T>(f: () => Promise<T>): Promise<{ cpuMs: number; wallMs: number; value: T }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await f();
  const c = process.cpuUsage(c0);
  return { cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - t0, value };
}

const median = (xs: number[]): number => round(percentile(xs, 50), 2);

runBench('idle', async () => {
  const load = new Load({ procs: PROCS, namespaces: NAMESPACES, launchers: os.availableParallelism(), timeoutSeconds: 3600 });
  onExit(() => load.stopNow());
  onCleanup(() => load.stop());
  log(`starting ${PROCS} processes`);
  await load.start();
  const procs = procCount();
  log(`${procs} processes on the node`);
  const scanner = new NodeScanner(FULL * 1000);
  await scanner.scan('full');
  const before: number[] = [];
  const full: number[] = [];
  const incr: number[] = [];
  const incrRead: number[] = [];
  let mismatch = 0;
  // Interleaved rounds, so the neighbours' noise falls on both alike.
  for (let r = 0; r < ROUNDS; r++) {
    const b = await cpuOf(fullScanBefore);
    const f = await cpuOf(() => scanner.scan('full'));
    // Counts can differ when a neighbour starts or ends namespaces between the two scans: counted, not fatal.
    if (JSON.stringify(b.value) !== JSON.stringify(f.value.namespaces)) mismatch++;
    const i = await cpuOf(() => scanner.scan('incremental'));
    before.push(b.cpuMs);
    full.push(f.cpuMs);
    incr.push(i.cpuMs);
    incrRead.push(scanner.last?.read ?? 0);
    log(`round ${r + 1}: before ${b.cpuMs.toFixed(0)} ms, full ${f.cpuMs.toFixed(0)} ms, incremental ${i.cpuMs.toFixed(1)} ms (${scanner.last?.read} new read)`);
  }
  const scansPerHour = 3600 / INTERVAL;
  const fullPerHour = Math.min(scansPerHour, 3600 / FULL);
  const perHourBefore = median(before) * scansPerHour;
  const perHourAfter = median(full) * fullPerHour + median(incr) * (scansPerHour - fullPerHour);
  const pctOfCore = (msPerHour: number): number => round((msPerHour / 3_600_000) * 100, 3);
  const result = {
    when: now(),
    machine: machine(),
    loadavg: os.loadavg().map((l) => round(l, 2)),
    procsOnNode: procs,
    rounds: ROUNDS,
    intervalS: INTERVAL,
    fullIntervalS: FULL,
    perScanCpuMs: { before: median(before), full: median(full), incremental: median(incr), incrementalNewProcessesRead: median(incrRead) },
    samples: { before, full, incremental: incr },
    perHourCpuS: { before: round(perHourBefore / 1000, 1), after: round(perHourAfter / 1000, 1) },
    pctOfCore: { before: pctOfCore(perHourBefore), after: pctOfCore(perHourAfter) },
    ratioBeforeOverAfter: round(perHourBefore / perHourAfter, 2),
    countMismatchRounds: mismatch,
    note: 'CPU of the scans alone (process.cpuUsage), median of interleaved rounds; per hour = scans per hour x per-scan median',
  };
  writeResult(opt.out, result);
  console.log(JSON.stringify({ perScanCpuMs: result.perScanCpuMs, perHourCpuS: result.perHourCpuS, pctOfCore: result.pctOfCore, ratio: result.ratioBeforeOverAfter, procs }, null, 2) + `\nwritten: ${opt.out}`);
  log('removing the load');
});
