// The CLI start-up scenario: wall time of --help, a node-local diff and lsns -o json on a small node through the installed entry, beside node -e 0, commander's own --help, lsns -p and kubectl version --client.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { dirname, join } from 'node:path';
import { Lab, randomHex } from '../lab/runc.js';
import { type DemoPod, startDemoPod } from '../lab/pod.js';
import { ROOT, args } from './harness/args.js';
import { type Calm, calmLine, waitCalm } from './harness/calm.js';
import { codeVersion, machine, machineLine } from './harness/machine.js';
import { type Cmd, type CmdResult, percentile, ratio, round, timeCommand, timeCommands } from './harness/measure.js';
import { summarize } from './harness/profile.js';
import { now, pad, targetLines, writeResult } from './harness/report.js';
import { onCleanup, runBench, tempDir } from './harness/run.js';
import { startSmallNode } from './harness/small-node.js';

/** The installed entry (package.json bin): answers bare --help itself, node-local commands from main.cjs and its code cache, loads main.js otherwise. */
const CLI = join(ROOT, 'dist/cli/bundle/nsinspect.cjs');
/** The commander program without the entry: what --help cost before. */
const PROGRAM = join(ROOT, 'dist/cli/main.js');
/** Node.js 22.1+ only; the entry turns it on for everything but the fast path. */
const COMPILE_CACHE = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';
const NODE = process.execPath;
/** Where NODE_EXTRA_CA_CERTS is set, every node start parses the CA bundle: also time without it, as a user's machine runs. */
const EXTRA_CA = process.env.NODE_EXTRA_CA_CERTS;
const CLEAN = EXTRA_CA ? ['env', '-u', 'NODE_EXTRA_CA_CERTS'] : [];
const opt = args('cli', { runs: '15', warmups: '2', 'wait-calm': '1800', 'no-profile': false, 'small-procs': '97' });
/** Issue 16: lsns -o json on a node of ~100 processes within this many times node -e 0 (medians, same run). */
const LSNS_TARGET = 1.3;
const [RUNS, WARMUPS, WAIT_CALM] = [opt.int('runs'), opt.int('warmups', 0), opt.int('wait-calm', 0)];

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
    const [cmd = '', ...rest] = argv;
    return execFileSync(cmd, rest, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 }).trim().split('\n')[0] ?? '';
  } catch (e) {
    return `failed: ${(e as Error).message.split('\n')[0]}`;
  }
};

interface Target { target?: number; note?: string }
type Result = CmdResult<Cmd & Target> & { pass?: boolean };

/** Warm-ups, then RUNS interleaved rounds; a command with a target passes when its median is within it. */
async function measure(cmds: Array<Cmd & Target>): Promise<Result[]> {
  return (await timeCommands(cmds, ROOT, WARMUPS, RUNS)).map((r) => (r.target === undefined ? r : { ...r, pass: r.wall.median <= r.target }));
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
  const med = (f: (x: { sinceStart: number; steps: number[] }) => number): number => round(percentile(runs.map(f), 50));
  const step = (x: { steps: number[] }, i: number): number => x.steps[i] ?? NaN;
  return {
    nodeReadyMs: med((x) => x.sinceStart), esmLoaderMs: med((x) => step(x, 0)), commanderMs: med((x) => step(x, 1)),
    cliErrorsAndRefsMs: med((x) => step(x, 2) + step(x, 3)), localCommandsMs: med((x) => step(x, 4)),
  };
}

function profile(name: string, args: string[], within = (argv: string[]): string[] => argv): ReturnType<typeof summarize> | undefined {
  const dir = join(dirname(opt.out), 'cli-profile', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const [cmd = NODE, ...rest] = within([...CLEAN, NODE, '--cpu-prof', `--cpu-prof-dir=${dir}`, CLI, ...args]);
  execFileSync(cmd, rest, { stdio: 'ignore' });
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  return file ? summarize(join(dir, file), 12) : undefined;
}

runBench('cli', async () => {
  if (!existsSync(join(ROOT, 'dist/cli/help/index.json'))) throw new Error('dist/cli/help/ is missing: run make build (tsc alone does not pre-render the help)');
  const EMPTY = join(tempDir('cli'), 'empty.cjs');
  writeFileSync(EMPTY, '');
  // The fast path must really be taken: same bytes as commander, and the program not loaded (no commander in a CPU profile below).
  const [fast, slow] = await Promise.all([timeCommand([NODE, CLI, '--help'], ROOT), timeCommand([NODE, PROGRAM, '--help'], ROOT)]);
  if (fast.stdout !== slow.stdout) throw new Error('nsinspect --help differs from commander\'s: run make build');
  let pod: DemoPod | undefined;
  const ours = (): number => (pod ? 6 : 0);
  const calm: Calm[] = [await waitCalm('setup', WAIT_CALM, ours)];
  const lab = await new Lab(`bench-cli-${randomHex(8)}`).init();
  onCleanup(() => lab.cleanup());
  pod = await startDemoPod(lab);
  const [a, b] = [pod.app.pid, pod.debugger.pid];
  // ~100 processes in all, whatever this machine runs: its own pid namespace, /proc and cgroups (bench/harness/small-node.ts); as a user's shell runs, without NODE_EXTRA_CA_CERTS.
  const small = await startSmallNode(opt.int('small-procs'));
  const lsnsSmall = small.argv([...CLEAN, NODE, CLI, 'lsns', '-o', 'json']);
  const kubectl = which('kubectl');
  const lsns = which('lsns');
  const kubectlVersion = kubectl ? firstLine([kubectl, 'version', '--client']) : 'not installed';
  const kubectlPath = kubectl ? realpathSync(kubectl) : 'not installed';
  const cmds: Array<Cmd & Target> = [
    { name: 'node -e 0 (floor)', argv: [NODE, '-e', '0'] },
    { name: 'nsinspect --help', argv: [NODE, CLI, '--help'], target: 150 },
    { name: `nsinspect diff pid/${a} pid/${b}`, argv: [NODE, CLI, 'diff', `pid/${a}`, `pid/${b}`], target: 300 },
    { name: 'node empty.cjs (a script\'s floor)', argv: [NODE, EMPTY] },
    { name: 'commander --help (main.js, no entry)', argv: [NODE, PROGRAM, '--help'] },
    ...(lsns ? [{ name: `lsns -p ${a}`, argv: [lsns, '-p', String(a)] }] : []),
    ...(kubectl ? [{ name: 'kubectl version --client', argv: [kubectl, 'version', '--client'], note: `${kubectlPath}: ${kubectlVersion}` }] : []),
    { name: `node -e 0, small node (${small.procs} procs)`, argv: small.argv([...CLEAN, NODE, '-e', '0']) },
    { name: 'nsinspect lsns -o json, small node', argv: lsnsSmall },
    // Where this machine sets NODE_EXTRA_CA_CERTS, every node start parses the CA bundle first (the floor doubles): as measured before.
    ...(EXTRA_CA ? [
      { name: 'node -e 0 with EXTRA_CA, small node', argv: small.argv([NODE, '-e', '0']) },
      { name: 'nsinspect lsns -o json with EXTRA_CA, small node', argv: small.argv([NODE, CLI, 'lsns', '-o', 'json']) },
    ] : []),
  ];
  if (EXTRA_CA) {
    const bare = cmds.slice(0, 5).map((c) => ({ ...c, name: `${c.name}, no EXTRA_CA`, argv: [...CLEAN, ...c.argv] }));
    cmds.push(...bare);
  }
  // Sanity: the diff reads the real containers, and says the debugger shares the app's pid namespace.
  const d = JSON.parse((await timeCommand([NODE, CLI, '-o', 'json', 'diff', `pid/${a}`, `pid/${b}`], ROOT)).stdout) as { shared: string[] };
  if (!d.shared.includes('pid')) throw new Error(`unexpected diff: ${JSON.stringify(d)}`);
  // And lsns in the small node sees its processes only.
  const [lcmd = '', ...lrest] = lsnsSmall;
  const inv = JSON.parse(execFileSync(lcmd, lrest, { encoding: 'utf8' })) as { namespaces: Array<{ type: string; nprocs: number }> };
  const pidNs = inv.namespaces.filter((n) => n.type === 'pid');
  if (pidNs.length !== 1 || Math.abs((pidNs[0]?.nprocs ?? 0) - small.procs) > 3) throw new Error(`small node: lsns saw ${JSON.stringify(pidNs)}, want one pid namespace of ~${small.procs}`);

  calm.push(await waitCalm('measure', Math.min(120, WAIT_CALM), ours));
  console.log(`measuring: ${WARMUPS} warm-ups, then ${RUNS} interleaved rounds of ${cmds.length} commands ...`);
  const results = await measure(cmds);
  calm.push(await waitCalm('imports', Math.min(120, WAIT_CALM), ours));
  const imports = await importBreakdown();
  const profiles = opt.flag('no-profile') ? [] : [['--help', profile('help', ['--help'])], ['diff', profile('diff', ['diff', `pid/${a}`, `pid/${b}`])], ['lsns (small node)', profile('lsns', ['lsns', '-o', 'json'], small.argv)]] as const;
  await lab.cleanup();

  const byName = (p: string): Result['wall'] | undefined => results.find((r) => r.name.startsWith(p))?.wall;
  const floor = byName('node -e');
  const floorClean = EXTRA_CA ? byName('node -e 0 (floor), no') : undefined;
  const ratios = {
    helpOverFloor: ratio(byName('nsinspect --help'), floor),
    helpOverScriptFloor: ratio(byName('nsinspect --help'), byName('node empty.cjs')),
    commanderHelpOverHelp: ratio(byName('commander --help'), byName('nsinspect --help')),
    diffOverFloor: ratio(byName('nsinspect diff'), floor),
    lsnsSmallOverFloor: ratio(byName('nsinspect lsns -o json, small'), byName('node -e 0, small')),
    ...(EXTRA_CA ? { lsnsSmallOverFloorWithExtraCa: ratio(byName('nsinspect lsns -o json with EXTRA_CA'), byName('node -e 0 with EXTRA_CA')) } : {}),
    diffOverLsns: ratio(byName('nsinspect diff'), byName('lsns')),
    helpOverKubectl: ratio(byName('nsinspect --help'), byName('kubectl')),
    ...(floorClean ? { helpOverFloorNoExtraCa: ratio(byName('nsinspect --help, no'), floorClean), diffOverFloorNoExtraCa: ratio(byName('nsinspect diff pid/' + a + ' pid/' + b + ', no'), floorClean) } : {}),
  };
  const lsnsRatio = (byName('nsinspect lsns -o json, small')?.median ?? NaN) / (byName('node -e 0, small')?.median ?? NaN);
  const lsnsTarget = { target: `nsinspect lsns -o json on a node of ${small.procs} processes <= ${LSNS_TARGET}x node -e 0 (medians, same run)`, value: lsnsRatio.toFixed(2), pass: lsnsRatio <= LSNS_TARGET };
  const result = { entry: 'dist/cli/bundle/nsinspect.cjs', smallNodeProcs: small.procs, lsnsTarget, compileCache: COMPILE_CACHE, date: now(), code: codeVersion(ROOT), argv: opt.argv, machine: machine(), runs: RUNS, warmups: WARMUPS, calm, kubectl: kubectl ? `${kubectlPath}: ${kubectlVersion}` : 'not installed', results, ratios, imports, profiles: Object.fromEntries(profiles) };
  writeResult(opt.out, result);

  const rows = [['command', 'median ms', 'min ms', 'p90 ms', 'CPU ms', 'x floor', 'target', '']];
  for (const r of results) {
    rows.push([r.name, r.wall.median.toFixed(1), r.wall.min.toFixed(1), r.p90.toFixed(1), r.cpu.median.toFixed(0), ratio(r.wall, r.name.includes('with EXTRA_CA, small node') ? byName('node -e 0 with EXTRA_CA') : r.name.includes('small node') ? byName('node -e 0, small') : r.name.endsWith('no EXTRA_CA') && floorClean ? floorClean : floor), r.target ? `<= ${r.target}` : '', r.pass === undefined ? '' : r.pass ? 'PASS' : 'FAIL']);
  }
  if (!kubectl) rows.push(['kubectl version --client', 'not installed', '', '', '', '', '', '']);
  const out = [
    `nsinspect CLI start-up benchmark  ${result.date}  code ${result.code}`,
    machineLine(result.machine),
    `machine before: ${calmLine(calm)}`,
    `kubectl: ${result.kubectl}`,
    ...(EXTRA_CA ? [`NODE_EXTRA_CA_CERTS=${EXTRA_CA} is set; rows "no EXTRA_CA" run under env -u NODE_EXTRA_CA_CERTS, their x floor is against the same-env floor`] : []),
    `wall time from spawn to exit, ${RUNS} runs after ${WARMUPS} warm-ups; CPU = user+sys of the child (10 ms ticks)`,
    `nsinspect = node dist/cli/bundle/nsinspect.cjs (the bin); node-local commands run main.cjs from its V8 code cache (made at make build); V8 compile cache for the rest: ${COMPILE_CACHE ? 'on (Node.js 22.1+)' : `not available on Node.js ${process.versions.node} (22.1+)`}`,
    `small node: its own pid namespace, /proc and cgroup view with ${small.procs} processes; its rows run under nsenter${EXTRA_CA ? ' without NODE_EXTRA_CA_CERTS' : ''}, their floor too`,
    '',
    pad(rows),
    '',
    ...targetLines([lsnsTarget], 'x'),
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
});
