// Owns the exec benchmark (issue 4/6): exec start-to-first-byte against bare nsenter, host-side ps against nsenter ps at 1,000 processes.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { Lab, randomHex, randomUUID, type RunningContainer } from '../lab/runc.js';
import { podCgroupPath, startPodContainer } from '../lab/pod.js';
import { codeVersion, machineInfo, waitCalm, type Calm } from './agent-report.js';
import { freePort, percentile, round, series, timeCommand, type Series } from './measure.js';
import { pad } from './report.js';
import { attachURL } from '../cli/cluster/attach-client.js';
import { CH } from '../agent/protocol/frames.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const USAGE = 'usage: node dist/bench/exec.js [--runs N] [--warmups N] [--procs N] [--background N] [--wait-calm S] [--out FILE]';
const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '30' },
    warmups: { type: 'string', default: '3' },
    procs: { type: 'string', default: '1000' },
    // Extra sleepers in another container: ps now scans every pid on the node, so its size matters.
    background: { type: 'string', default: '0' },
    'wait-calm': { type: 'string', default: '600' },
    out: { type: 'string', default: join(ROOT, 'bench/results/exec.json') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  console.log(USAGE);
  process.exit(0);
}
const int = (k: 'runs' | 'warmups' | 'procs' | 'background' | 'wait-calm', min: number): number => {
  const n = Number(opt[k]);
  if (Number.isInteger(n) && n >= min) return n;
  console.error(`--${k} wants an integer >= ${min}, not ${JSON.stringify(opt[k])}\n${USAGE}`);
  process.exit(2);
};
const [RUNS, WARMUPS, PROCS, BACKGROUND, WAIT_CALM] = [int('runs', 1), int('warmups', 0), int('procs', 1), int('background', 0), int('wait-calm', 0)];

let lab: Lab | undefined;
let agent: ChildProcess | undefined;
let home: string | undefined;
const cleanup = async (): Promise<void> => {
  agent?.kill('SIGTERM');
  if (home) rmSync(home, { recursive: true, force: true });
  await lab?.cleanup().catch((e: Error) => console.error(`lab cleanup: ${e.message}`));
};
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));


/** The agent as a separate process, node-local only (no Kubernetes config), --auth none on loopback. */
async function startAgent(): Promise<string> {
  const port = await freePort();
  home = mkdtempSync(join(tmpdir(), 'nsinspect-bench-exec-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, LOG_LEVEL: 'warn', NSINSPECT_MAX_EXEC_SESSIONS: '4' };
  agent = spawn(process.execPath, [CLI, 'agent', '--auth', 'none', '--listen', `127.0.0.1:${port}`, '--metrics-listen', 'off'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return base;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the agent did not come up');
}

/** Spawn to first stdout byte, and to exit. */
function firstByte(argv: string[]): Promise<{ first: number; total: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first = -1;
    const kid = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    kid.stdout.once('data', () => (first = performance.now() - t0));
    kid.stdout.resume();
    kid.on('error', reject);
    kid.on('close', (code) => (code === 0 ? resolve({ first: first < 0 ? performance.now() - t0 : first, total: performance.now() - t0 }) : reject(new Error(`${argv.join(' ')}: exit ${code}`))));
  });
}

/** POST …/exec to the whole JSON answer (its first byte is its last: the output comes in one body). */
async function postExec(base: string, id: string, namespaces: string): Promise<number> {
  const t0 = performance.now();
  const r = await fetch(`${base}/v1/containers/${id}/exec`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command: ['echo', 'x'], namespaces }) });
  const body = (await r.json()) as { stdout?: string };
  if (body.stdout !== 'x\n') throw new Error(`exec answered ${r.status}: ${JSON.stringify(body)}`);
  return performance.now() - t0;
}

/** Attach: from opening the WebSocket to the first stdout frame. */
function attachFirstByte(base: string, id: string, tty: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const ws = new WebSocket(attachURL(base, `/v1/containers/${id}/attach`, { command: ['echo', 'x'], namespaces: 'all', tty }));
    ws.on('message', (d: Buffer) => {
      if (d[0] === CH.stdout) {
        resolve(performance.now() - t0);
        ws.close();
      }
    });
    ws.on('error', reject);
    ws.on('unexpected-response', (_q, res) => reject(new Error(`attach answered ${res.statusCode}`)));
  });
}

async function rounds(fns: Array<() => Promise<number>>): Promise<number[][]> {
  const out = fns.map(() => [] as number[]);
  for (let r = 0; r < WARMUPS + RUNS; r++) {
    for (let i = 0; i < fns.length; i++) {
      const ms = await fns[i]();
      if (r >= WARMUPS) out[i].push(ms);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const calm: Calm[] = [await waitCalm('setup', WAIT_CALM, () => 0)];
  lab = await new Lab(`bench-exec-${randomHex(8)}`).init();
  const podPath = podCgroupPath('containerd-cgroupfs', 'burstable', randomUUID());
  const small = await startPodContainer(lab, 'containerd-cgroupfs', podPath, ['sleep', '3600'], undefined, 'small');
  // 1,000 processes in one pid namespace: a shell that starts PROCS sleepers and waits.
  const script = `i=0; while [ $i -lt ${PROCS} ]; do sleep 3600 & i=$((i+1)); done; echo ready > /tmp/ready; wait`;
  const big: RunningContainer = await startPodContainer(lab, 'containerd-cgroupfs', podPath, ['sh', '-c', script], undefined, 'big');
  if (BACKGROUND > 0) {
    const bg = `i=0; while [ $i -lt ${BACKGROUND} ]; do sleep 3600 & i=$((i+1)); done; wait`;
    await startPodContainer(lab, 'containerd-cgroupfs', podPath, ['sh', '-c', bg], undefined, 'background');
  }
  const base = await startAgent();
  for (let i = 0; i < 600; i++) {
    const n = (await timeCommand(['nsenter', '-t', String(big.pid), '--all', 'ps', '-o', 'pid'], ROOT)).stdout.trim().split('\n').length - 1;
    if (n >= PROCS + 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  calm.push(await waitCalm('measure', 120, () => PROCS + BACKGROUND + 10));
  console.log(`measuring: ${WARMUPS} warm-ups, then ${RUNS} interleaved rounds ...`);

  const sid = small.id;
  const pid = String(small.pid);
  const [bareTrue, bareEcho, postAll, postTools, attachPipes, attachTty] = await rounds([
    async () => (await firstByte(['nsenter', '-t', pid, '-a', 'true'])).total,
    async () => (await firstByte(['nsenter', '-t', pid, '-a', 'echo', 'x'])).first,
    () => postExec(base, sid, 'all'),
    () => postExec(base, sid, 'tools'),
    () => attachFirstByte(base, sid, false),
    () => attachFirstByte(base, sid, true),
  ]);

  const bpid = String(big.pid);
  const [hostPs, cliPs, nsenterPs] = await rounds([
    async () => {
      const t0 = performance.now();
      const r = (await (await fetch(`${base}/v1/containers/${big.id}/processes`)).json()) as { processes: unknown[] };
      if (r.processes.length < PROCS) throw new Error(`host-side ps saw ${r.processes.length} processes`);
      return performance.now() - t0;
    },
    async () => (await timeCommand([process.execPath, CLI, 'ps', `container/${big.id}`, '-o', 'json'], ROOT)).ms,
    async () => (await timeCommand(['nsenter', '-t', bpid, '--all', 'ps', '-ef'], ROOT)).ms,
  ]);
  await cleanup();

  const s = (xs: number[]): Series & { p90: number } => ({ ...series(xs), p90: round(percentile(xs, 90)) });
  const r = {
    startup: { bareNsenterTrue: s(bareTrue), bareNsenterEchoFirstByte: s(bareEcho), postExecAll: s(postAll), postExecTools: s(postTools), attachPipesFirstByte: s(attachPipes), attachTtyFirstByte: s(attachTty) },
    ps: { procs: PROCS, background: BACKGROUND, agentHostSide: s(hostPs), cliHostSide: s(cliPs), nsenterAllPsEf: s(nsenterPs) },
  };
  const bound = round(1.5 * r.startup.bareNsenterTrue.median + 20);
  const targets = [
    { target: `POST exec (--ns all) <= 1.5 x bare nsenter -a true + 20 ms = ${bound} ms`, value: r.startup.postExecAll.median, pass: r.startup.postExecAll.median <= bound },
    { target: `attach first byte <= ${bound} ms`, value: r.startup.attachPipesFirstByte.median, pass: r.startup.attachPipesFirstByte.median <= bound },
  ];
  const result = { issue: '4/6', date: new Date().toISOString(), code: codeVersion(ROOT), machine: machineInfo(), runs: RUNS, warmups: WARMUPS, calm, ...r, targets };
  mkdirSync(dirname(opt.out), { recursive: true });
  writeFileSync(opt.out, JSON.stringify(result, null, 2) + '\n');

  const ratio = (a: Series, b: Series): string => `${(a.median / b.median).toFixed(2)}x`;
  const bare = r.startup.bareNsenterTrue;
  const row = (name: string, x: Series & { p90: number }, vs: Series): string[] => [name, x.median.toFixed(1), x.min.toFixed(1), x.p90.toFixed(1), ratio(x, vs)];
  const m = result.machine;
  console.log([
    `nsinspect exec benchmark (issue 4/6)  ${result.date}  code ${result.code}`,
    `machine: ${m.nproc} x ${m.cpuModel}, ${m.memoryMiB} MiB, ${m.kernel}, node ${m.node}`,
    `calm: ${calm.map((c) => `${c.phase}: ${c.calm ? 'calm' : 'NOT CALM'} (${c.procs} procs, load ${c.load1})`).join('; ')}`,
    `${RUNS} interleaved rounds after ${WARMUPS} warm-ups; the agent is a separate process, loopback, --auth none`,
    '',
    pad([
      ['exec start-up (to the first byte)', 'median ms', 'min ms', 'p90 ms', 'x bare'],
      row('nsenter -t PID -a true (bare, to exit)', bare, bare),
      row('nsenter -t PID -a echo x (bare, first byte)', r.startup.bareNsenterEchoFirstByte, bare),
      row('POST /exec echo x, --ns all (whole answer)', r.startup.postExecAll, bare),
      row('POST /exec echo x, --ns tools (+ unshare --mount-proc)', r.startup.postExecTools, bare),
      row('attach echo x, no tty (first stdout frame)', r.startup.attachPipesFirstByte, bare),
      row('attach echo x, tty (first stdout frame)', r.startup.attachTtyFirstByte, bare),
    ]),
    '',
    pad([
      [`ps of a container with ${PROCS} processes (+${BACKGROUND} elsewhere)`, 'median ms', 'min ms', 'p90 ms', 'x nsenter ps'],
      row('GET /v1/containers/:id/processes (agent, host side)', r.ps.agentHostSide, r.ps.nsenterAllPsEf),
      row('nsinspect ps container/<id> -o json (CLI process)', r.ps.cliHostSide, r.ps.nsenterAllPsEf),
      row('nsenter -t PID --all ps -ef (busybox ps)', r.ps.nsenterAllPsEf, r.ps.nsenterAllPsEf),
    ]),
    '',
    ...targets.map((t) => `${t.pass ? 'PASS' : 'FAIL'}  ${t.target}: ${t.value} ms`),
    `\nwritten: ${opt.out}`,
  ].join('\n'));
}

main().catch(async (err: Error) => {
  console.error(`bench exec: ${err.message}`);
  await cleanup();
  process.exit(1);
});
