// The host-side ps scenario: a container with 1,000 processes, the ps read path before and after in one run, beside `nsenter --all ps -ef`.
import { Lab, randomHex, randomUUID } from '../lab/runc.js';
import { podCgroupPath, startPodContainer } from '../lab/pod.js';
import { Engine } from '../agent/inspect/engine.js';
import { psJSON } from '../agent/protocol/answers.js';
import { ownerOfPid } from '../agent/discovery/pidns-members.js';
import { listPids, readCmdline, readStat, readStatus, scanNamespaceLinks } from '../agent/procfs/proc.js';
import { ROOT, args } from './harness/args.js';
import { machine } from './harness/machine.js';
import { percentile, round, timeCommand } from './harness/measure.js';
import { now, writeResult } from './harness/report.js';
import { onCleanup, runBench } from './harness/run.js';

const opt = args('ps', { procs: '1000', rounds: '15' });
const [PROCS, ROUNDS] = [opt.int('procs'), opt.int('rounds')];
const log = (m: string): void => console.error(`[ps] ${m}`);
const median = (xs: number[]): number => round(percentile(xs, 50), 2);

/** The read path as it was before the one-pass reader: ns/pid of every process each time, then four files per member (stat, status split whole, cmdline, cgroup). */
function psBefore(pidns: number): number {
  let rows = 0;
  const members: number[] = [];
  scanNamespaceLinks(listPids(), ['pid'], (pid, _t, inode) => inode === pidns && members.push(pid));
  for (const pid of members) {
    const stat = readStat(pid);
    const status = readStatus(pid);
    const cmdline = readCmdline(pid);
    if (!stat || !status || !cmdline) continue;
    ownerOfPid(pid, false);
    rows++;
  }
  return rows;
}

runBench('ps', async () => {
  const lab = await new Lab(`bench-ps-${randomHex(8)}`).init();
  onCleanup(() => lab.cleanup());
  const podPath = podCgroupPath('containerd-cgroupfs', 'burstable', randomUUID());
  const script = `i=0; while [ $i -lt ${PROCS} ]; do sleep 3600 & i=$((i+1)); done; wait`;
  const big = await startPodContainer(lab, 'containerd-cgroupfs', podPath, ['sh', '-c', script], undefined, 'big');
  const engine = new Engine();
  for (let i = 0; i < 600; i++) {
    if ((engine.containerSubject(big.id).container?.pids.length ?? 0) >= PROCS + 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const s = engine.containerSubject(big.id);
  log(`container ${big.id.slice(0, 12)}: ${s.container?.pids.length} processes`);
  const t = { before: [] as number[], after: [] as number[], json: [] as number[], nsenter: [] as number[] };
  for (let r = -2; r < ROUNDS; r++) {
    let t0 = performance.now();
    const n = psBefore(s.namespaces.pid ?? NaN);
    const before = performance.now() - t0;
    t0 = performance.now();
    const rows = engine.ps(s);
    const after = performance.now() - t0;
    t0 = performance.now();
    JSON.stringify(psJSON(engine.ps(s)));
    const json = performance.now() - t0;
    const ns = await timeCommand(['nsenter', '-t', String(big.pid), '--all', 'ps', '-ef'], ROOT);
    if (rows.length < PROCS || n < PROCS) throw new Error(`ps saw ${rows.length} (before: ${n}) processes`);
    if (rows.some((x) => x.owner?.kind !== 'container')) throw new Error('a member of the container was not attributed to it');
    if (r < 0) continue;
    t.before.push(before);
    t.after.push(after);
    t.json.push(json);
    t.nsenter.push(ns.ms);
  }
  const m = { before: median(t.before), after: median(t.after), afterWithJson: median(t.json), nsenterPsEf: median(t.nsenter) };
  const result = {
    when: now(),
    machine: machine(),
    procs: PROCS,
    rounds: ROUNDS,
    medianMs: m,
    ratios: { beforeOverNsenter: round(m.before / m.nsenterPsEf), afterOverNsenter: round(m.after / m.nsenterPsEf), afterWithJsonOverNsenter: round(m.afterWithJson / m.nsenterPsEf) },
    samples: t,
    note: 'in-process read path (no HTTP), interleaved rounds, medians; nsenter ps is a whole process (start-up included)',
  };
  writeResult(opt.out, result);
  console.log(JSON.stringify({ medianMs: m, ratios: result.ratios }, null, 2) + `\nwritten: ${opt.out}`);
});
