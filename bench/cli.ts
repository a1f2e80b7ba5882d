// Owns the CLI start-up benchmark (issue 3/6): wall time of --help and a node-local diff through the installed entry, beside node -e 0, commander's own --help, lsns -p and kubectl version --client.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Lab, randomHex } from '../lab/runc.js';
import { type DemoPod, startDemoPod } from '../lab/pod.js';
import { type Calm, codeVersion, machineInfo, waitCalm } from './agent-report.js';
import { percentile, round, series, timeCommand, type Series } from './measure.js';
import { summarize } from './profile.js';
import { pad } from './report.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The installed entry (package.json bin): answers bare --help itself, loads main.js otherwise. */
const CLI = join(ROOT, 'dist/cli/nsinspect.cjs');
/** The commander program without the entry: what --help cost before. */
const PROGRAM = join(ROOT, 'dist/cli/main.js');
/** Node.js 22.1+ only; the entry turns it on for everything but the fast path. */
const COMPILE_CACHE = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';
const NODE = process.execPath;
/** This sandbox sets NODE_EXTRA_CA_CERTS, which makes every node start parse the CA bundle: also time without it. */
const EXTRA_CA = process.env.NODE_EXTRA_CA_CERTS;
const CLEAN = EXTRA_CA ? ['env', '-u', 'NODE_EXTRA_CA_CERTS'] : [];
const USAGE = 'usage: node dist/bench/cli.js [--runs N] [--warmups N] [--wait-calm S] [--no-profile] [--out FILE]';
const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    warmups: { type: 'string', default: '2' },
    'wait-calm': { type: 'string', default: '1800' },
    'no-profile': { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, 'bench/results/cli.json') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  console.log(USAGE);
  process.exit(0);
}
const int = (k: 'runs' | 'warmups' | 'wait-calm', min: number): number => {
  const n = Number(opt[k]);
  if (Number.isInteger(n) && n >= min) return n;
  console.error(`--${k} wants an integer >= ${min}, not ${JSON.stringify(opt[k])}\n${USAGE}`);
  process.exit(2);
};
const [RUNS, WARMUPS, WAIT_CALM] = [int('runs', 1), int('warmups', 0), int('wait-calm', 0)];

let lab: Lab | undefined;
let cleaning: Promise<void> | undefined;
const cleanup = (): Promise<void> => (cleaning ??= lab ? lab.cleanup().catch((e: Error) => console.error(`lab cleanup: ${e.message}`)) : Promise.resolve());
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`\n${sig}: removing the lab's containers`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** Where a program is on PATH, or undefined. */
function which(cmd: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const firstLine = (argv: string[]): string => {
  try {
    return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 }).trim().split('\n')[0];
  } catch (e) {
    return `failed: ${(e as Error).message.split('\n')[0]}`;
  }
};

interface Cmd { name: string; argv: string[]; target?: number; note?: string }
interface CmdResult { name: string; argv: string[]; wall: Series; p90: number; cpu: Series; target?: number; pass?: boolean; note?: string }

/** Warm-ups, then RUNS rounds; each round runs every command once, so drift hits all alike. */
async function measure(cmds: Cmd[]): Promise<CmdResult[]> {
  const wall = cmds.map(() => [] as number[]);
  const cpu = cmds.map(() => [] as number[]);
  for (let r = 0; r < WARMUPS + RUNS; r++) {
    for (let i = 0; i < cmds.length; i++) {
      const t = await timeCommand(cmds[i].argv, ROOT);
      if (r >= WARMUPS) {
        wall[i].push(t.ms);
        cpu[i].push(t.cpuMs);
      }
    }
  }
  return cmds.map((c, i) => {
    const res: CmdResult = { name: c.name, argv: c.argv, wall: series(wall[i]), p90: round(percentile(wall[i], 90)), cpu: series(cpu[i]) };
    if (c.note) res.note = c.note;
    if (c.target !== undefined) Object.assign(res, { target: c.target, pass: res.wall.median <= c.target });
    return res;
  });
}

/** Module loading, in one process: the ESM loader, commander, the modules of --help, then those of a local diff. */
const IMPORTS = `const t = [performance.now()];
const mark = async (m) => { await import(m); t.push(performance.now()); };
await mark('data:text/javascript,'); await mark('commander');
await mark(${JSON.stringify(join(ROOT, 'dist/cli/errors.js'))}); await mark(${JSON.stringify(join(ROOT, 'dist/cli/refs.js'))});
await mark(${JSON.stringify(join(ROOT, 'dist/cli/commands/local.js'))});
process.stdout.write(JSON.stringify({ sinceStart: t[0], steps: t.slice(1).map((x, i) => x - t[i]) }));`;

async function importBreakdown(): Promise<Record<string, number>> {
  const runs: Array<{ sinceStart: number; steps: number[] }> = [];
  for (let i = 0; i < WARMUPS + RUNS; i++) {
    const r = await timeCommand([...CLEAN, NODE, '--input-type=module', '-e', IMPORTS], ROOT);
    if (i >= WARMUPS) runs.push(JSON.parse(r.stdout) as { sinceStart: number; steps: number[] });
  }
  const med = (f: (x: (typeof runs)[0]) => number): number => round(percentile(runs.map(f), 50));
  return {
    nodeReadyMs: med((x) => x.sinceStart), esmLoaderMs: med((x) => x.steps[0]), commanderMs: med((x) => x.steps[1]),
    cliErrorsAndRefsMs: med((x) => x.steps[2] + x.steps[3]), localCommandsMs: med((x) => x.steps[4]),
  };
}

function profile(name: string, args: string[]): ReturnType<typeof summarize> | undefined {
  const dir = join(ROOT, 'bench/results/cli-profile', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync(CLEAN[0] ?? NODE, [...CLEAN.slice(1), ...(CLEAN.length ? [NODE] : []), '--cpu-prof', `--cpu-prof-dir=${dir}`, CLI, ...args], { stdio: 'ignore' });
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  return file ? summarize(join(dir, file), 12) : undefined;
}

let EMPTY = '';

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/cli/help/index.json'))) throw new Error('dist/cli/help/ is missing: run make build (tsc alone does not pre-render the help)');
  const scratch = mkdtempSync(join(tmpdir(), 'nsinspect-bench-cli-'));
  process.once('exit', () => rmSync(scratch, { recursive: true, force: true }));
  EMPTY = join(scratch, 'empty.cjs');
  writeFileSync(EMPTY, '');
  // The fast path must really be taken: same bytes as commander, and the program not loaded (no commander in a CPU profile below).
  const [fast, slow] = await Promise.all([timeCommand([NODE, CLI, '--help'], ROOT), timeCommand([NODE, PROGRAM, '--help'], ROOT)]);
  if (fast.stdout !== slow.stdout) throw new Error('nsinspect --help differs from commander\'s: run make build');
  let pod: DemoPod | undefined;
  const ours = (): number => (pod ? 6 : 0);
  const calm: Calm[] = [await waitCalm('setup', WAIT_CALM, ours)];
  lab = await new Lab(`bench-cli-${randomHex(8)}`).init();
  pod = await startDemoPod(lab);
  const [a, b] = [pod.app.pid, pod.debugger.pid];
  const kubectl = which('kubectl');
  const lsns = which('lsns');
  const kubectlVersion = kubectl ? firstLine([kubectl, 'version', '--client']) : 'not installed';
  const kubectlPath = kubectl ? realpathSync(kubectl) : 'not installed';
  const cmds: Cmd[] = [
    { name: 'node -e 0 (floor)', argv: [NODE, '-e', '0'] },
    { name: 'nsinspect --help', argv: [NODE, CLI, '--help'], target: 150 },
    { name: `nsinspect diff pid/${a} pid/${b}`, argv: [NODE, CLI, 'diff', `pid/${a}`, `pid/${b}`], target: 300 },
    { name: 'node empty.cjs (a script\'s floor)', argv: [NODE, EMPTY] },
    { name: 'commander --help (main.js, no entry)', argv: [NODE, PROGRAM, '--help'] },
    ...(lsns ? [{ name: `lsns -p ${a}`, argv: [lsns, '-p', String(a)] }] : []),
    ...(kubectl ? [{ name: 'kubectl version --client', argv: [kubectl, 'version', '--client'], note: `${kubectlPath}: ${kubectlVersion}` }] : []),
  ];
  if (EXTRA_CA) {
    const bare = cmds.slice(0, 5).map((c) => ({ ...c, name: `${c.name}, no EXTRA_CA`, argv: [...CLEAN, ...c.argv] }));
    cmds.push(...bare);
  }
  // Sanity: the diff reads the real containers, and says the debugger shares the app's pid namespace.
  const d = JSON.parse((await timeCommand([NODE, CLI, '-o', 'json', 'diff', `pid/${a}`, `pid/${b}`], ROOT)).stdout) as { shared: string[] };
  if (!d.shared.includes('pid')) throw new Error(`unexpected diff: ${JSON.stringify(d)}`);

  calm.push(await waitCalm('measure', 120, ours));
  console.log(`measuring: ${WARMUPS} warm-ups, then ${RUNS} interleaved rounds of ${cmds.length} commands ...`);
  const results = await measure(cmds);
  calm.push(await waitCalm('imports', 120, ours));
  const imports = await importBreakdown();
  const profiles = opt['no-profile'] ? [] : [['--help', profile('help', ['--help'])], ['diff', profile('diff', ['diff', `pid/${a}`, `pid/${b}`])]] as const;
  await cleanup();

  const byName = (p: string): CmdResult | undefined => results.find((r) => r.name.startsWith(p));
  const floor = byName('node -e') as CmdResult;
  const floorClean = EXTRA_CA ? byName('node -e 0 (floor), no') : undefined;
  const ratio = (x?: CmdResult, y?: CmdResult): string => (x && y ? `${(x.wall.median / y.wall.median).toFixed(2)}x` : 'n/a');
  const ratios = {
    helpOverFloor: ratio(byName('nsinspect --help'), floor),
    helpOverScriptFloor: ratio(byName('nsinspect --help'), byName('node empty.cjs')),
    commanderHelpOverHelp: ratio(byName('commander --help'), byName('nsinspect --help')),
    diffOverFloor: ratio(byName('nsinspect diff'), floor),
    diffOverLsns: ratio(byName('nsinspect diff'), byName('lsns')),
    helpOverKubectl: ratio(byName('nsinspect --help'), byName('kubectl')),
    ...(floorClean ? { helpOverFloorNoExtraCa: ratio(byName('nsinspect --help, no'), floorClean), diffOverFloorNoExtraCa: ratio(byName('nsinspect diff pid/' + a + ' pid/' + b + ', no'), floorClean) } : {}),
  };
  const result = { issue: '3/6', entry: 'dist/cli/nsinspect.cjs', compileCache: COMPILE_CACHE, date: new Date().toISOString(), code: codeVersion(ROOT), argv: process.argv.slice(2), machine: machineInfo(), runs: RUNS, warmups: WARMUPS, calm, kubectl: kubectl ? `${kubectlPath}: ${kubectlVersion}` : 'not installed', results, ratios, imports, profiles: Object.fromEntries(profiles) };
  mkdirSync(dirname(opt.out), { recursive: true });
  writeFileSync(opt.out, JSON.stringify(result, null, 2) + '\n');

  const m = result.machine;
  const rows = [['command', 'median ms', 'min ms', 'p90 ms', 'CPU ms', 'x floor', 'target', '']];
  for (const r of results) {
    rows.push([r.name, r.wall.median.toFixed(1), r.wall.min.toFixed(1), r.p90.toFixed(1), r.cpu.median.toFixed(0), ratio(r, r.name.endsWith('no EXTRA_CA') && floorClean ? floorClean : floor), r.target ? `<= ${r.target}` : '', r.pass === undefined ? '' : r.pass ? 'PASS' : 'FAIL']);
  }
  if (!kubectl) rows.push(['kubectl version --client', 'not installed', '', '', '', '', '', '']);
  const calmText = calm.map((c) => `${c.phase}: ${c.calm ? 'calm' : 'NOT CALM'} (${c.procs} procs, load ${c.load1})`).join('; ');
  const out = [
    `nsinspect CLI start-up benchmark (issue 3/6)  ${result.date}  code ${result.code}`,
    `machine: ${m.nproc} x ${m.cpuModel}, ${m.memoryMiB} MiB, ${m.kernel}, node ${m.node}`,
    `machine before: ${calmText}`,
    `kubectl: ${result.kubectl}`,
    ...(EXTRA_CA ? [`NODE_EXTRA_CA_CERTS=${EXTRA_CA} is set here; rows "no EXTRA_CA" run under env -u NODE_EXTRA_CA_CERTS, their x floor is against the same-env floor`] : []),
    `wall time from spawn to exit, ${RUNS} runs after ${WARMUPS} warm-ups; CPU = user+sys of the child (10 ms ticks)`,
    `nsinspect = node dist/cli/nsinspect.cjs (the bin); V8 compile cache: ${COMPILE_CACHE ? 'on for the program (Node.js 22.1+)' : `not available on Node.js ${process.versions.node} (22.1+)`}`,
    '',
    pad(rows),
    '',
    `ratios (medians): ${Object.entries(ratios).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `module loading, one process${EXTRA_CA ? ' without NODE_EXTRA_CA_CERTS' : ''} (medians, ms): node ready ${imports.nodeReadyMs}, ESM loader ${imports.esmLoaderMs}, ` +
      `commander ${imports.commanderMs}, cli/errors.js + cli/refs.js ${imports.cliErrorsAndRefsMs}, cli/commands/local.js (engine, render) ${imports.localCommandsMs}`,
  ];
  for (const [name, p] of profiles) {
    if (!p) continue;
    out.push('', `CPU profile of one ${name} (${p.sampledMs} ms sampled, ${p.file}):`);
    out.push(pad([['  top self time', 'self ms', 'total ms'], ...p.functions.map((f) => [`  ${f.fn}`, String(f.selfMs), String(f.totalMs)])]));
  }
  console.log(out.join('\n') + `\n\nwritten: ${opt.out}`);
}

try {
  await main();
} catch (e) {
  console.error(`cli benchmark failed: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
