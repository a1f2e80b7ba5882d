// Owns the lsns benchmark (issue 1/6): node inventory vs util-linux lsns vs a readlink floor, and container lookup, at two load sizes.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { Engine } from '../agent/inspect/engine.js';
import { Lab } from '../lab/runc.js';
import { startDemoPod } from '../lab/pod.js';
import { Load, type LoadInfo, NS_PER_GROUP, countProcs } from './load.js';
import { FLOOR_SCRIPT, cpuStallUs, floorInProcess, limits, machine, memAvailableMiB, percentile, round, series, timeCommand } from './measure.js';
import { inclusiveOf, summarize } from './profile.js';
import { type Meta, type Pct, type SizeResult, type Target, renderReport } from './report.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const NODE = process.execPath;
const USAGE = `usage: node dist/bench/lsns.js [--procs N] [--ns M] [--small-procs N] [--small-ns M] [--no-small] [--mid-procs N] [--mid-ns M]
       [--runs R] [--lsns-runs R] [--iters I] [--cpu-prof] [--timeout S] [--out FILE]`;

const { values: opt } = parseArgs({
  options: {
    procs: { type: 'string', default: '10000' },
    ns: { type: 'string', default: '3000' },
    // The small size: about 100 processes on the whole node (this VM idles at ~75, the lab adds ~8).
    'small-procs': { type: 'string', default: '25' },
    'small-ns': { type: 'string', default: '10' },
    'no-small': { type: 'boolean', default: false },
    // The middle size, 1,000 processes, shows how the inventory's cost grows on the way to 10,000. 0 skips it.
    'mid-procs': { type: 'string', default: '1000' },
    'mid-ns': { type: 'string', default: '300' },
    runs: { type: 'string', default: '5' },
    'lsns-runs': { type: 'string', default: '3' },
    iters: { type: 'string', default: '200' },
    'cpu-prof': { type: 'boolean', default: false },
    timeout: { type: 'string', default: '3600' },
    out: { type: 'string', default: join(ROOT, 'bench/results/lsns.json') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  console.log(USAGE);
  process.exit(0);
}
const int = (name: keyof typeof opt): number => {
  const n = Number(opt[name]);
  if (Number.isInteger(n) && n >= 1) return n;
  console.error(`--${name} wants a positive integer, not ${JSON.stringify(opt[name])}\n${USAGE}`);
  process.exit(2);
};
const RUNS = int('runs');
const LSNS_RUNS = int('lsns-runs');
const ITERS = int('iters');

// ---- cleanup: try/finally in main, plus signals and exit for the cases finally cannot reach ----
const loads = new Set<Load>();
let lab: Lab | undefined;
let aborted: string | undefined;
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const l of loads) await l.stop().catch((e: Error) => console.error(`load cleanup: ${e.message}`));
    loads.clear();
    await lab?.cleanup().catch((e: Error) => console.error(`lab cleanup: ${e.message}`));
  })();
  return cleaning;
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    aborted = sig;
    process.stderr.write(`\n${sig}: removing the load and the lab...\n`);
    for (const l of loads) l.stopNow();
    void cleanup().finally(() => process.exit(128 + os.constants.signals[sig]));
  });
}
process.on('exit', () => {
  for (const l of loads) l.stopNow();
});
const checkAborted = (): void => {
  if (aborted) throw new Error(`aborted by ${aborted}`);
};
const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

// ---- measurements ----
async function inventory(): Promise<Pick<SizeResult, 'namespaces' | 'inventory'>> {
  const t = { cli: [] as number[], engine: [] as number[], lsns: [] as number[], floor: [] as number[], floorIn: [] as number[], cliCpu: [] as number[], lsnsCpu: [] as number[], floorCpu: [] as number[] };
  const rows = { ours: 0, lsns: 0, floor: 0 };
  // Round -1 warms the page and dentry caches and is not recorded; the rest interleave the tools.
  for (let r = -1; r < RUNS; r++) {
    checkAborted();
    const cli = await timeCommand([NODE, CLI, 'lsns', '-o', 'json'], ROOT);
    rows.ours = (JSON.parse(cli.stdout) as { namespaces: unknown[] }).namespaces.length;
    const floor = await timeCommand([NODE, '-e', FLOOR_SCRIPT], ROOT);
    rows.floor = Number(floor.stdout);
    let t0 = performance.now();
    new Engine().lsns();
    const engine = performance.now() - t0;
    t0 = performance.now();
    floorInProcess();
    const floorIn = performance.now() - t0;
    if (r >= 0) [t.cli, t.floor, t.engine, t.floorIn, t.cliCpu, t.floorCpu].forEach((a, i) => a.push([cli.ms, floor.ms, engine, floorIn, cli.cpuMs, floor.cpuMs][i]));
    if (r < LSNS_RUNS) {
      const lsns = await timeCommand(['lsns', '-J'], ROOT);
      rows.lsns = (JSON.parse(lsns.stdout) as { namespaces: unknown[] }).namespaces.length;
      if (r >= 0) t.lsns.push(lsns.ms);
      if (r >= 0) t.lsnsCpu.push(lsns.cpuMs);
    }
    log(`  inventory round ${r < 0 ? 'warm-up' : r + 1}: cli ${cli.ms.toFixed(0)} ms, floor ${floor.ms.toFixed(0)} ms, engine ${engine.toFixed(0)} ms`);
  }
  return {
    namespaces: rows,
    inventory: {
      cli: series(t.cli), engine: series(t.engine), lsns: series(t.lsns), floor: series(t.floor), floorInProcess: series(t.floorIn),
      cliCpu: series(t.cliCpu), lsnsCpu: series(t.lsnsCpu), floorCpu: series(t.floorCpu),
    },
  };
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
  const dir = join(dirname(opt.out as string), 'lsns-profile');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await timeCommand([NODE, '--cpu-prof', '--cpu-prof-dir', dir, CLI, 'lsns', '-o', 'json'], ROOT);
  const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile')) as string);
  const phases = ['inventory', 'listPids', 'readNamespaces', 'readlinkSync', 'pidOwners', 'readOwnerUid', 'readCmdline', 'readStat', 'print', 'stringify'];
  return { ...summarize(file, 15), inclusiveMs: inclusiveOf(file, phases) };
}

async function runSize(name: string, procs: number, namespaces: number, podPrefix: string, podPid: number, profile: boolean): Promise<SizeResult> {
  const memBefore = memAvailableMiB();
  const load = new Load({ procs, namespaces, launchers: os.availableParallelism(), timeoutSeconds: int('timeout') });
  loads.add(load);
  let info!: LoadInfo;
  let rest!: Omit<SizeResult, 'name' | 'load'>;
  let memoryMiB = 0;
  let teardownMs = 0;
  try {
    log(`${name}: starting ${procs} processes in ${Math.round(namespaces / NS_PER_GROUP)} uts+ipc groups`);
    info = await load.start();
    memoryMiB = memBefore - memAvailableMiB();
    const procsOnNode = countProcs();
    log(`${name}: up in ${(info.spawnMs / 1000).toFixed(1)} s, ${procsOnNode} processes on the node`);
    const [stall0, wall0] = [cpuStallUs(), performance.now()];
    const inv = await inventory();
    const cpuStallPct = round((cpuStallUs() - stall0) / 10 / (performance.now() - wall0), 1);
    checkAborted();
    const warm = lookup(podPrefix, podPid, false);
    const fresh = lookup(podPrefix, podPid, true);
    const i = inv.inventory;
    rest = {
      procsOnNode,
      cpuStallPct,
      ...inv,
      ratios: {
        lsnsOverCli: round(i.lsns.median / i.cli.median),
        cliOverFloor: round(i.cli.median / i.floor.median),
        engineOverFloorInProcess: round(i.engine.median / i.floorInProcess.median),
        lsnsOverCliMin: round(i.lsns.min / i.cli.min),
        cliOverFloorMin: round(i.cli.min / i.floor.min),
        lsnsOverCliCpu: round(i.lsnsCpu.median / i.cliCpu.median),
        cliOverFloorCpu: round(i.cliCpu.median / i.floorCpu.median),
      },
      lookup: { warm, fresh },
      ...(profile ? { profile: await profileCli() } : {}),
    };
  } finally {
    log(`${name}: removing the load`);
    teardownMs = await load.stop();
    loads.delete(load);
    log(`${name}: removed in ${(teardownMs / 1000).toFixed(1)} s`);
  }
  return { name, load: { ...info, spawnMs: round(info.spawnMs), teardownMs: round(teardownMs), memAvailableDropMiB: memoryMiB }, ...rest };
}

/** Refuses sizes the kernel limits would cut short, with the limit named. */
function checkLimits(l: Record<string, string>, procs: number, namespaces: number): void {
  const need = countProcs() + procs + os.availableParallelism() + 500;
  for (const [k, v] of [['pidMax', l.pidMax], ['threadsMax', l.threadsMax]] as const) {
    if (Number(v) < need) throw new Error(`${k} is ${v}, the load needs about ${need}: raise it (sysctl) or use --procs`);
  }
  const groups = Math.round(namespaces / NS_PER_GROUP);
  if (Number(l.maxUtsNamespaces) < groups) throw new Error(`user.max_uts_namespaces is ${l.maxUtsNamespaces}, the load needs ${groups}`);
}

// ---- main ----
async function main(): Promise<number> {
  const procs = int('procs');
  const ns = int('ns');
  const lim = limits();
  checkLimits(lim, procs, ns);
  const lsnsVersion = (await timeCommand(['lsns', '--version'], ROOT)).stdout.trim();
  const meta: Meta = {
    issue: '1/6', date: new Date().toISOString(), argv: process.argv.slice(2), machine: machine(lsnsVersion), limits: lim,
    runs: { cli: RUNS, lsns: LSNS_RUNS, lookupIters: ITERS }, procsBefore: countProcs(),
  };
  const sizes: SizeResult[] = [];
  try {
    log('starting the lab pod (runc)');
    lab = await new Lab(`bench-${process.pid}`).init();
    const pod = await startDemoPod(lab);
    const prefix = pod.app.id.slice(0, 12);
    if (!opt['no-small']) sizes.push(await runSize('small', int('small-procs'), int('small-ns'), prefix, pod.app.pid, false));
    if (Number(opt['mid-procs']) > 0) sizes.push(await runSize('1k', int('mid-procs'), int('mid-ns'), prefix, pod.app.pid, false));
    sizes.push(await runSize('full', procs, ns, prefix, pod.app.pid, opt['cpu-prof'] as boolean));
  } finally {
    await cleanup();
  }
  meta.procsAfter = countProcs();
  const full = sizes.at(-1) as SizeResult;
  const small = sizes.length > 1 ? sizes[0] : undefined;
  const targets: Target[] = [
    // Judged on medians, as specified; the table shows the ratio of minimums beside them.
    { target: 'lsns -J / nsinspect CLI >= 10x', value: full.ratios.lsnsOverCli, pass: full.ratios.lsnsOverCli >= 10 },
    { target: 'nsinspect CLI / bare readlink loop <= 1.5x', value: full.ratios.cliOverFloor, pass: full.ratios.cliOverFloor <= 1.5 },
    { target: 'container lookup p50, warm index <= 2 ms', value: full.lookup.warm.p50, pass: full.lookup.warm.p50 <= 2 },
    { target: 'container lookup p50, fresh Engine <= 2 ms', value: full.lookup.fresh.p50, pass: full.lookup.fresh.p50 <= 2 },
  ];
  // "Does not grow": full p50 within 1.5x of small p50, or within 0.25 ms (timer and scheduler noise).
  for (const k of ['warm', 'fresh'] as const) {
    if (!small) continue;
    const [a, b] = [small.lookup[k].p50, full.lookup[k].p50];
    targets.push({ target: `lookup p50 growth ${k}, ${small.procsOnNode} -> ${full.procsOnNode} procs (<= 1.5x or +0.25 ms)`, value: round(b / a), pass: b <= 1.5 * a || b - a <= 0.25 });
  }
  const out = opt.out as string;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ ...meta, sizes, targets, pass: targets.every((t) => t.pass) }, null, 2) + '\n');
  process.stdout.write(renderReport(meta, sizes, targets));
  process.stdout.write(`\nresults: ${out}\n`);
  return targets.every((t) => t.pass) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (err: Error) => {
    await cleanup();
    console.error(`bench failed: ${err.message}`);
    process.exitCode = 2;
  },
);
