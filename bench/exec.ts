// The exec scenario: exec start-to-first-byte against bare nsenter, host-side ps against nsenter ps at 1,000 processes.
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { Lab, randomHex, randomUUID, type RunningContainer } from '../lab/runc.js';
import { podCgroupPath, startPodContainer } from '../lab/pod.js';
import { attachURL } from '../cli/cluster/attach-client.js';
import { CH } from '../agent/protocol/frames.js';
import { startAgent } from './harness/agent.js';
import { ROOT, args } from './harness/args.js';
import { type Calm, calmLine, waitCalm } from './harness/calm.js';
import { codeVersion, machine, machineLine } from './harness/machine.js';
import { type Series, interleave, ratio, round, series90, timeCommand } from './harness/measure.js';
import { now, pad, writeResult } from './harness/report.js';
import { onCleanup, runBench, tempDir } from './harness/run.js';

const CLI = `${ROOT}/dist/cli/main.js`;
// --background: extra sleepers in another container; ps scans every pid on the node, so its size matters.
const opt = args('exec', { runs: '30', warmups: '3', procs: '1000', background: '0', 'wait-calm': '600' });
const [RUNS, WARMUPS, PROCS, BACKGROUND, WAIT_CALM] = [opt.int('runs'), opt.int('warmups', 0), opt.int('procs'), opt.int('background', 0), opt.int('wait-calm', 0)];

/** Spawn to first stdout byte, and to exit. */
function firstByte(argv: string[]): Promise<{ first: number; total: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first = -1;
    const [cmd = '', ...rest] = argv;
    const kid = spawn(cmd, rest, { stdio: ['ignore', 'pipe', 'ignore'] });
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

const rounds = (fns: Array<() => Promise<number>>): Promise<number[][]> => interleave(fns, WARMUPS, RUNS);

runBench('exec', async () => {
  const calm: Calm[] = [await waitCalm('setup', WAIT_CALM, () => 0)];
  const lab = await new Lab(`bench-exec-${randomHex(8)}`).init();
  onCleanup(() => lab.cleanup());
  const podPath = podCgroupPath('containerd-cgroupfs', 'burstable', randomUUID());
  const small = await startPodContainer(lab, 'containerd-cgroupfs', podPath, ['sleep', '3600'], undefined, 'small');
  // 1,000 processes in one pid namespace: a shell that starts PROCS sleepers and waits.
  const script = `i=0; while [ $i -lt ${PROCS} ]; do sleep 3600 & i=$((i+1)); done; echo ready > /tmp/ready; wait`;
  const big: RunningContainer = await startPodContainer(lab, 'containerd-cgroupfs', podPath, ['sh', '-c', script], undefined, 'big');
  if (BACKGROUND > 0) {
    const bg = `i=0; while [ $i -lt ${BACKGROUND} ]; do sleep 3600 & i=$((i+1)); done; wait`;
    await startPodContainer(lab, 'containerd-cgroupfs', podPath, ['sh', '-c', bg], undefined, 'background');
  }
  // Node-local only (no Kubernetes config, HOME a temp dir), --auth none on loopback.
  const agent = await startAgent({ env: { HOME: tempDir('exec'), KUBECONFIG: '', LOG_LEVEL: 'warn', NSINSPECT_MAX_EXEC_SESSIONS: '4' } });
  const base = agent.url;
  for (let i = 0; i < 600; i++) {
    const n = (await timeCommand(['nsenter', '-t', String(big.pid), '--all', 'ps', '-o', 'pid'], ROOT)).stdout.trim().split('\n').length - 1;
    if (n >= PROCS + 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  calm.push(await waitCalm('measure', Math.min(120, WAIT_CALM), () => PROCS + BACKGROUND + 10));
  console.log(`measuring: ${WARMUPS} warm-ups, then ${RUNS} interleaved rounds ...`);

  const sid = small.id;
  const pid = String(small.pid);
  const [bareTrue = [], bareEcho = [], postAll = [], postTools = [], attachPipes = [], attachTty = []] = await rounds([
    async () => (await firstByte(['nsenter', '-t', pid, '-a', 'true'])).total,
    async () => (await firstByte(['nsenter', '-t', pid, '-a', 'echo', 'x'])).first,
    () => postExec(base, sid, 'all'),
    () => postExec(base, sid, 'tools'),
    () => attachFirstByte(base, sid, false),
    () => attachFirstByte(base, sid, true),
  ]);

  const bpid = String(big.pid);
  const [hostPs = [], cliPs = [], nsenterPs = []] = await rounds([
    async () => {
      const t0 = performance.now();
      const r = (await (await fetch(`${base}/v1/containers/${big.id}/processes`)).json()) as { processes: unknown[] };
      if (r.processes.length < PROCS) throw new Error(`host-side ps saw ${r.processes.length} processes`);
      return performance.now() - t0;
    },
    async () => (await timeCommand([process.execPath, CLI, 'ps', `container/${big.id}`, '-o', 'json'], ROOT)).ms,
    async () => (await timeCommand(['nsenter', '-t', bpid, '--all', 'ps', '-ef'], ROOT)).ms,
  ]);
  await lab.cleanup();

  const s = series90;
  const r = {
    startup: { bareNsenterTrue: s(bareTrue), bareNsenterEchoFirstByte: s(bareEcho), postExecAll: s(postAll), postExecTools: s(postTools), attachPipesFirstByte: s(attachPipes), attachTtyFirstByte: s(attachTty) },
    ps: { procs: PROCS, background: BACKGROUND, agentHostSide: s(hostPs), cliHostSide: s(cliPs), nsenterAllPsEf: s(nsenterPs) },
  };
  const bound = round(1.5 * r.startup.bareNsenterTrue.median + 20);
  const targets = [
    { target: `POST exec (--ns all) <= 1.5 x bare nsenter -a true + 20 ms = ${bound} ms`, value: r.startup.postExecAll.median, pass: r.startup.postExecAll.median <= bound },
    { target: `attach first byte <= ${bound} ms`, value: r.startup.attachPipesFirstByte.median, pass: r.startup.attachPipesFirstByte.median <= bound },
  ];
  const result = { date: now(), code: codeVersion(ROOT), machine: machine(), runs: RUNS, warmups: WARMUPS, calm, ...r, targets };
  writeResult(opt.out, result);

  const bare = r.startup.bareNsenterTrue;
  const row = (name: string, x: Series & { p90: number }, vs: Series): string[] => [name, x.median.toFixed(1), x.min.toFixed(1), x.p90.toFixed(1), ratio(x, vs)];
  console.log([
    `nsinspect exec benchmark  ${result.date}  code ${result.code}`,
    machineLine(result.machine),
    `calm: ${calmLine(calm)}`,
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
});
