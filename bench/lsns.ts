// The lsns scenario: node inventory against util-linux lsns and readlink loops (C, node -e, in-process), and container lookup, at up to three load sizes.
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import os from 'node:os';
import { Engine } from '../agent/inspect/engine.js';
import { Lab } from '../lab/runc.js';
import { startDemoPod } from '../lab/pod.js';
import { ROOT, args } from './harness/args.js';
import { NODE_FLOOR_SCRIPT, buildCFloor, floorInProcess } from './harness/floor.js';
import { Load, type LoadInfo, NS_PER_GROUP } from './harness/load.js';
import { type Machine, cpuStallUs, limits, machine, machineLine, memAvailableMiB, procCount } from './harness/machine.js';
import { type Series, percentile, round, series, timeCommand } from './harness/measure.js';
import { inclusiveOf, summarize, type ProfileSummary } from './harness/profile.js';
import { type Target, now, pad, targetLines, writeResult } from './harness/report.js';
import { checkAborted, onCleanup, onExit, runBench, tempDir } from './harness/run.js';

const opt = args('lsns', {
  procs: '10000', ns: '3000',
  // The small size: about 100 processes on the whole node with an idle machine's own.
  'small-procs': '25', 'small-ns': '10', 'no-small': false,
  // The middle size shows how the inventory's cost grows on the way to the full one; 0 skips it.
  'mid-procs': '1000', 'mid-ns': '300',
  runs: '5', 'lsns-runs': '3', iters: '200', 'cpu-prof': false, timeout: '3600',
  // Another build's entry (an A/B against an older bundle); default: this tree's installed entry.
  cli: '',
});
const [RUNS, LSNS_RUNS, ITERS] = [opt.int('runs'), opt.int('lsns-runs'), opt.int('iters')];
// The installed entry, as package.json's bin names it (the bundle behind nsinspect.cjs), not dist/cli/main.js.
const CLI = opt.str('cli') || join(ROOT, (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin.nsinspect!);
const NODE = process.execPath;
const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

interface Pct { p50: number; p99: number; max: number }
type Inventory = Record<'cli' | 'engine' | 'lsns' | 'floor' | 'floorC' | 'floorInProcess' | 'cliCpu' | 'lsnsCpu' | 'floorCpu' | 'floorCCpu', Series>;
interface SizeResult {
  name: string;
  load: LoadInfo & { teardownMs: number; memAvailableDropMiB: number };
  procsOnNode: number;
  /** Share of the inventory phase in which some task waited for a CPU (PSI): high = noisy neighbours. */
  cpuStallPct: number;
  namespaces: { ours: number; lsns: number; floor: number; floorC: number };
  /** Wall ms; the *Cpu series are the same runs' CPU time (user + sys) of the child process. */
  inventory: Inventory;
  ratios: Record<'lsnsOverCli' | 'cliOverFloor' | 'cliOverFloorC' | 'engineOverFloorInProcess' | 'lsnsOverCliMin' | 'cliOverFloorMin' | 'lsnsOverCliCpu' | 'cliOverFloorCpu', number> &
    /** The issue's terms: the CLI as a fraction of lsns -J (want <= 0.1) and a multiple of the C loop (want <= 1.5), wall and CPU. */
    Record<'cliOverLsns' | 'cliOverLsnsCpu' | 'cliOverFloorCCpu' | 'cliOverFloorCMin', number>;
  lookup: { warm: Pct; fresh: Pct };
  profile?: ProfileSummary & { inclusiveMs: Record<string, number> };
}

/** Interleaved runs of the CLI, the floors and lsns -J; round -1 warms the page and dentry caches and is not kept. */
async function inventory(cFloor: string | undefined): Promise<Pick<SizeResult, 'namespaces' | 'inventory'>> {
  const t: Record<keyof Inventory, number[]> = { cli: [], engine: [], lsns: [], floor: [], floorC: [], floorInProcess: [], cliCpu: [], lsnsCpu: [], floorCpu: [], floorCCpu: [] };
  const rows = { ours: 0, lsns: 0, floor: 0, floorC: 0 };
  const keep = (r: number, k: keyof Inventory, v: number): void => void (r >= 0 && t[k].push(v));
  for (let r = -1; r < RUNS; r++) {
    checkAborted();
    const cli = await timeCommand([NODE, CLI, 'lsns', '-o', 'json'], ROOT);
    rows.ours = (JSON.parse(cli.stdout) as { namespaces: unknown[] }).namespaces.length;
    const floor = await timeCommand([NODE, '-e', NODE_FLOOR_SCRIPT], ROOT);
    rows.floor = Number(floor.stdout);
    if (cFloor) {
      const c = await timeCommand([cFloor], ROOT);
      rows.floorC = Number(c.stdout);
      keep(r, 'floorC', c.ms);
      keep(r, 'floorCCpu', c.cpuMs);
    }
    let t0 = performance.now();
    new Engine().lsns();
    keep(r, 'engine', performance.now() - t0);
    t0 = performance.now();
    floorInProcess();
    keep(r, 'floorInProcess', performance.now() - t0);
    for (const [k, v] of [['cli', cli.ms], ['floor', floor.ms], ['cliCpu', cli.cpuMs], ['floorCpu', floor.cpuMs]] as const) keep(r, k, v);
    if (r < LSNS_RUNS) {
      const lsns = await timeCommand(['lsns', '-J'], ROOT);
      rows.lsns = (JSON.parse(lsns.stdout) as { namespaces: unknown[] }).namespaces.length;
      keep(r, 'lsns', lsns.ms);
      keep(r, 'lsnsCpu', lsns.cpuMs);
    }
    log(`  inventory round ${r < 0 ? 'warm-up' : r + 1}: cli ${cli.ms.toFixed(0)} ms, floor ${floor.ms.toFixed(0)} ms`);
  }
  const inv = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, series(v)])) as Inventory;
  return { namespaces: rows, inventory: inv };
}

/** containerSubject(prefix) timed ITERS times; fresh = a new Engine (cold container index) each time. */
function lookup(prefix: string, pid: number, fresh: boolean): Pct {
  let engine = new Engine();
  const once = (): void => {
    if (fresh) engine = new Engine();
    const s = engine.containerSubject(prefix);
    if (s.pid !== pid || s.namespaces.net === undefined) throw new Error(`container ${prefix} resolved to pid ${s.pid}, want ${pid}`);
  };
  for (let i = 0; i < 20; i++) once();
  const ms: number[] = [];
  for (let i = 0; i < ITERS; i++) {
    const t0 = performance.now();
    once();
    ms.push(performance.now() - t0);
  }
  return { p50: round(percentile(ms, 50), 3), p99: round(percentile(ms, 99), 3), max: round(Math.max(...ms), 3) };
}

async function profileCli(): Promise<SizeResult['profile']> {
  const dir = join(dirname(opt.out), 'lsns-profile');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await timeCommand([NODE, '--cpu-prof', '--cpu-prof-dir', dir, CLI, 'lsns', '-o', 'json'], ROOT);
  const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile')) ?? '');
  const phases = ['inventoryWithOwners', 'listPids', 'scanNsInodes', 'scanChunks', 'readlinkSync', 'pidOwners', 'describe', 'readOwnerUid', 'readCmdline', 'readStat', 'allRecords', 'print', 'stringify'];
  return { ...summarize(file, 15), inclusiveMs: inclusiveOf(file, phases) };
}

async function runSize(name: string, procs: number, namespaces: number, pod: { prefix: string; pid: number }, cFloor: string | undefined, profile: boolean): Promise<SizeResult> {
  const memBefore = memAvailableMiB();
  const load = new Load({ procs, namespaces, launchers: os.availableParallelism(), timeoutSeconds: opt.int('timeout') });
  onExit(() => load.stopNow());
  onCleanup(() => load.stop());
  log(`${name}: starting ${procs} processes in ${Math.round(namespaces / NS_PER_GROUP)} uts+ipc groups`);
  try {
    const info = await load.start();
    const memoryMiB = memBefore - memAvailableMiB();
    const procsOnNode = procCount();
    log(`${name}: up in ${(info.spawnMs / 1000).toFixed(1)} s, ${procsOnNode} processes on the node`);
    const [stall0, wall0] = [cpuStallUs(), performance.now()];
    const inv = await inventory(cFloor);
    const cpuStallPct = round((cpuStallUs() - stall0) / 10 / (performance.now() - wall0), 1);
    checkAborted();
    const lookups = { warm: lookup(pod.prefix, pod.pid, false), fresh: lookup(pod.prefix, pod.pid, true) };
    const i = inv.inventory;
    const prof = profile ? { profile: await profileCli() } : {};
    log(`${name}: removing the load`);
    const teardownMs = await load.stop();
    return {
      name, load: { ...info, spawnMs: round(info.spawnMs), teardownMs: round(teardownMs), memAvailableDropMiB: memoryMiB }, procsOnNode, cpuStallPct, ...inv,
      ratios: {
        lsnsOverCli: round(i.lsns.median / i.cli.median), cliOverFloor: round(i.cli.median / i.floor.median),
        cliOverFloorC: round(i.cli.median / i.floorC.median), engineOverFloorInProcess: round(i.engine.median / i.floorInProcess.median),
        lsnsOverCliMin: round(i.lsns.min / i.cli.min), cliOverFloorMin: round(i.cli.min / i.floor.min),
        lsnsOverCliCpu: round(i.lsnsCpu.median / i.cliCpu.median), cliOverFloorCpu: round(i.cliCpu.median / i.floorCpu.median),
        cliOverLsns: round(i.cli.median / i.lsns.median, 3), cliOverLsnsCpu: round(i.cliCpu.median / i.lsnsCpu.median, 3),
        cliOverFloorCCpu: round(i.cliCpu.median / i.floorCCpu.median), cliOverFloorCMin: round(i.cli.min / i.floorC.min),
      },
      lookup: lookups, ...prof,
    };
  } finally {
    await load.stop();
  }
}

/** Refuses sizes the kernel limits would cut short, with the limit named. */
function checkLimits(l: Record<string, string>, procs: number, namespaces: number): void {
  const need = procCount() + procs + os.availableParallelism() + 500;
  for (const k of ['pidMax', 'threadsMax'] as const) if (Number(l[k]) < need) throw new Error(`${k} is ${l[k]}, the load needs about ${need}: raise it (sysctl) or use --procs`);
  const groups = Math.round(namespaces / NS_PER_GROUP);
  if (Number(l.maxUtsNamespaces) < groups) throw new Error(`user.max_uts_namespaces is ${l.maxUtsNamespaces}, the load needs ${groups}`);
}

function render(m: Machine, lim: Record<string, string>, procs: [number, number], sizes: SizeResult[], targets: Target[]): string {
  const ms = (x: Series): string => (x.runs.length ? `${x.median.toFixed(1)} (${x.min.toFixed(1)})` : 'n/a');
  const x2 = (n: number): string => `${n.toFixed(2)}x`;
  const col = (f: (s: SizeResult) => string): string[] => sizes.map(f);
  const rows: string[][] = [
    ['', ...col((s) => `${s.name}: ${s.procsOnNode} procs, ${s.namespaces.ours} ns`)],
    ['Full node inventory, wall ms: median (min)', ...col(() => '')],
    [`  nsinspect lsns -o json (CLI, ${RUNS} runs)`, ...col((s) => ms(s.inventory.cli))],
    [`  util-linux lsns -J (${LSNS_RUNS} runs)`, ...col((s) => ms(s.inventory.lsns))],
    [`  readlink loop in C (${RUNS} runs)`, ...col((s) => ms(s.inventory.floorC))],
    [`  bare readlink loop, node -e (${RUNS} runs)`, ...col((s) => ms(s.inventory.floor))],
    ['  new Engine().lsns(), in-process', ...col((s) => ms(s.inventory.engine))],
    ['  readlink loop, in-process', ...col((s) => ms(s.inventory.floorInProcess))],
    ['  ratio lsns -J / CLI    (want >= 10): median (min)', ...col((s) => `${x2(s.ratios.lsnsOverCli)} (${x2(s.ratios.lsnsOverCliMin)})`)],
    ['  ratio CLI / readlink   (want <= 1.5): median (min)', ...col((s) => `${x2(s.ratios.cliOverFloor)} (${x2(s.ratios.cliOverFloorMin)})`)],
    ['  ratio CLI / lsns -J    (want <= 0.1): wall; CPU', ...col((s) => `${s.ratios.cliOverLsns.toFixed(3)}x; ${s.ratios.cliOverLsnsCpu.toFixed(3)}x`)],
    ['  ratio CLI / C readlink loop (want <= 1.5): median (min); CPU', ...col((s) => `${x2(s.ratios.cliOverFloorC)} (${x2(s.ratios.cliOverFloorCMin)}); ${x2(s.ratios.cliOverFloorCCpu)}`)],
    ['  ratio engine / readlink, in-process', ...col((s) => x2(s.ratios.engineOverFloorInProcess))],
    ['CPU ms (user+sys) of the same runs, median', ...col(() => '')],
    // Above 4,000 processes the CLI reads on two threads: its CPU can exceed its wall time; lsns and the loops use one core.
    ['  CLI / lsns -J / readlink loop node -e / in C', ...col((s) => [s.inventory.cliCpu, s.inventory.lsnsCpu, s.inventory.floorCpu, s.inventory.floorCCpu].map((c) => (c.runs.length ? c.median.toFixed(0) : 'n/a')).join(' / '))],
    ['  ratio lsns -J / CLI; CLI / readlink', ...col((s) => `${x2(s.ratios.lsnsOverCliCpu)}; ${x2(s.ratios.cliOverFloorCpu)}`)],
    ['  namespaces seen: ours / lsns / node floor / C floor', ...col((s) => `${s.namespaces.ours} / ${s.namespaces.lsns} / ${s.namespaces.floor} / ${s.namespaces.floorC}`)],
    [`Container lookup, containerSubject, ${ITERS} iters`, ...col(() => '')],
    ['  warm index   p50 / p99 ms', ...col((s) => `${s.lookup.warm.p50.toFixed(3)} / ${s.lookup.warm.p99.toFixed(3)}`)],
    ['  fresh Engine p50 / p99 ms', ...col((s) => `${s.lookup.fresh.p50.toFixed(3)} / ${s.lookup.fresh.p99.toFixed(3)}`)],
    ['Load', ...col(() => '')],
    ['  CPU pressure stall during inventory (PSI some)', ...col((s) => `${s.cpuStallPct}%`)],
    ['  spawn / teardown s', ...col((s) => `${(s.load.spawnMs / 1000).toFixed(1)} / ${(s.load.teardownMs / 1000).toFixed(1)}`)],
    ['  groups x 2 new ns (uts+ipc); MemAvailable drop MiB', ...col((s) => `${s.load.groups} x 2; ${s.load.memAvailableDropMiB}`)],
  ];
  const head = [
    `nsinspect lsns benchmark  ${now()}`,
    machineLine(m),
    `limits: pid_max ${lim.pidMax}, threads-max ${lim.threadsMax}, RLIMIT_NPROC ${lim.rlimitNproc}, max_uts/ipc_namespaces ${lim.maxUtsNamespaces}/${lim.maxIpcNamespaces}, pids.max ${lim.ownPidsCgroupMax}`,
    `processes on the node before / after: ${procs[0]} / ${procs[1]}`,
  ];
  let out = [...head, '', pad(rows), '', `Targets (at ${sizes.at(-1)?.name}; wall-time medians):`, ...targetLines(targets)].join('\n') + '\n';
  const p = sizes.at(-1)?.profile;
  if (p) {
    out += `\nCPU profile of one CLI run (${p.sampledMs} ms sampled, ${p.file}):\n`;
    out += `  inclusive ms: ${Object.entries(p.inclusiveMs).map(([k, v]) => `${k} ${v}`).join(', ')}\n`;
    out += pad([['  top self time', 'self ms', 'total ms'], ...p.functions.map((f) => [`  ${f.fn}`, String(f.selfMs), String(f.totalMs)])]) + '\n';
  }
  return out;
}

runBench('lsns', async () => {
  const [procs, ns] = [opt.int('procs'), opt.int('ns')];
  const lim = limits();
  checkLimits(lim, procs, ns);
  const m = machine((await timeCommand(['lsns', '--version'], ROOT)).stdout.trim());
  const procsBefore = procCount();
  const cFloor = buildCFloor(tempDir('lsns'));
  log('starting the lab pod (runc)');
  const lab = await new Lab(`bench-${process.pid}`).init();
  onCleanup(() => lab.cleanup());
  const demo = await startDemoPod(lab);
  const pod = { prefix: demo.app.id.slice(0, 12), pid: demo.app.pid };
  const sizes: SizeResult[] = [];
  if (!opt.flag('no-small')) sizes.push(await runSize('small', opt.int('small-procs'), opt.int('small-ns'), pod, cFloor, false));
  if (opt.int('mid-procs', 0) > 0) sizes.push(await runSize('1k', opt.int('mid-procs'), opt.int('mid-ns'), pod, cFloor, false));
  const full = await runSize('full', procs, ns, pod, cFloor, opt.flag('cpu-prof'));
  sizes.push(full);
  await lab.cleanup();
  const small = sizes.length > 1 ? sizes[0] : undefined;
  const targets: Target[] = [
    // Judged on medians; the table shows the ratio of minimums beside them.
    { target: 'nsinspect CLI / lsns -J <= 0.1x', value: full.ratios.cliOverLsns, pass: full.ratios.cliOverLsns <= 0.1 },
    { target: 'nsinspect CLI / bare readlink loop <= 1.5x', value: full.ratios.cliOverFloor, pass: full.ratios.cliOverFloor <= 1.5 },
    ...(cFloor ? [{ target: 'nsinspect CLI / C readlink loop <= 1.5x', value: full.ratios.cliOverFloorC, pass: full.ratios.cliOverFloorC <= 1.5 }] : []),
    { target: 'container lookup p50, warm index <= 2 ms', value: full.lookup.warm.p50, pass: full.lookup.warm.p50 <= 2 },
    { target: 'container lookup p50, fresh Engine <= 2 ms', value: full.lookup.fresh.p50, pass: full.lookup.fresh.p50 <= 2 },
  ];
  // "Does not grow": full p50 within 1.5x of small p50, or within 0.25 ms (timer and scheduler noise).
  for (const k of ['warm', 'fresh'] as const) {
    if (!small) continue;
    const [a, b] = [small.lookup[k].p50, full.lookup[k].p50];
    targets.push({ target: `lookup p50 growth ${k}, ${small.procsOnNode} -> ${full.procsOnNode} procs (<= 1.5x or +0.25 ms)`, value: round(b / a), pass: b <= 1.5 * a || b - a <= 0.25 });
  }
  const pass = targets.every((t) => t.pass);
  const procsAfter = procCount();
  writeResult(opt.out, { date: now(), argv: opt.argv, machine: m, limits: lim, runs: { cli: RUNS, lsns: LSNS_RUNS, lookupIters: ITERS }, procsBefore, procsAfter, sizes, targets, pass });
  process.stdout.write(render(m, lim, [procsBefore, procsAfter], sizes, targets) + `\nresults: ${opt.out}\n`);
  return pass ? 0 : 1;
});
