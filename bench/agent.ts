// Owns the agent benchmark (issue 2/6): pod diff and pod throughput, /metrics scrape time and RSS under sustained load, against real lab containers.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Lab, randomHex } from '../lab/runc.js';
import { type DemoPod, startDemoPod } from '../lab/pod.js';
import { CLIENT_TOKEN, NODE_NAME, POD_NAMESPACE, type FakeApi, kubeconfig, startFakeApi, v1Pod } from './agent-kube.js';
import type { LoadResult, LoadSpec } from './agent-load.js';
import { type AgentProfile, type Calm, codeVersion, cpuMsOf, distStamp, machineInfo, profileOf, renderAgent, rssOf, waitCalm } from './agent-report.js';
import { freePort, percentile, round } from './measure.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/**
 * What the DaemonSet sets: a 2 MiB semi-space (V8's default, 16 MiB, holds 32 MiB of young
 * generation and made 5-15 ms scavenges, p99 material) and the memory-limit guard.
 */
const AGENT_NODE_OPTIONS = '--max-semi-space-size=2 --max-old-space-size=384';
const CLI = join(ROOT, 'dist/cli/main.js');
const LOADER = join(ROOT, 'dist/bench/agent-load.js');
const USAGE = `usage: node dist/bench/agent.js [--pods N] [--duration S] [--warmup S] [--phase S] [--connections C]
       [--scrapes N] [--log-level L] [--agent-node-options OPTS] [--cpu-prof] [--wait-calm S] [--out FILE]`;
const { values: opt } = parseArgs({
  options: {
    pods: { type: 'string', default: '100' },
    duration: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '15' },
    phase: { type: 'string', default: '20' },
    connections: { type: 'string', default: '10' },
    scrapes: { type: 'string', default: '20' },
    'log-level': { type: 'string', default: 'info' },
    /** NODE_OPTIONS for the agent process: by default the DaemonSet's (small young generation, see README). */
    'agent-node-options': { type: 'string', default: AGENT_NODE_OPTIONS },
    'cpu-prof': { type: 'boolean', default: false },
    'wait-calm': { type: 'string', default: '1800' },
    out: { type: 'string', default: join(ROOT, 'bench/results/agent.json') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  console.log(USAGE);
  process.exit(0);
}
const int = (k: keyof typeof opt): number => {
  const n = Number(opt[k]);
  if (Number.isInteger(n) && n >= 1) return n;
  console.error(`--${k} wants a positive integer, not ${JSON.stringify(opt[k])}\n${USAGE}`);
  process.exit(2);
};
const [PODS, DURATION, WARMUP, PHASE, CONNS, SCRAPES, WAIT_CALM] = (['pods', 'duration', 'warmup', 'phase', 'connections', 'scrapes', 'wait-calm'] as const).map(int);

// ---- cleanup: finally in main, plus SIGINT/SIGTERM ----
let lab: Lab | undefined;
let api: FakeApi | undefined;
const children = new Set<ChildProcess>();
const tmp = mkdtempSync(join(tmpdir(), 'nsinspect-bench-agent-'));
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const c of children) await stopChild(c);
    await api?.close();
    await lab?.cleanup().catch((e: Error) => console.error(`lab cleanup: ${e.message}`));
    rmSync(tmp, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`\n${sig}: removing the lab's containers`);
    void cleanup().finally(() => process.exit(130));
  });
}

function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve(void children.delete(c));
  return new Promise((resolve) => {
    const kill = setTimeout(() => c.kill('SIGKILL'), 15_000);
    c.once('exit', () => {
      clearTimeout(kill);
      children.delete(c);
      resolve();
    });
    c.kill('SIGTERM');
  });
}


interface AgentProc { child: ChildProcess; url: string; metricsUrl: string; code: string; stderr: () => string }

/** The production entrypoint, `nsinspect agent`, against the fake API server, with Kubernetes auth. */
async function startAgent(profileDir?: string): Promise<AgentProc> {
  const [port, mport] = [await freePort(), await freePort()];
  const cfg = join(tmp, 'kubeconfig');
  writeFileSync(cfg, kubeconfig((api as FakeApi).url));
  const node = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  // NSINSPECT_KUBECONFIG rather than --kubeconfig: before ede3f2e the program-wide --kubeconfig option took the flag after `agent`.
  const args = [...node, CLI, 'agent', '--node-name', NODE_NAME, '--auth', 'kubernetes',
    '--listen', `127.0.0.1:${port}`, '--metrics-listen', `127.0.0.1:${mport}`];
  // stdout (pino request logs, one line per request start and end) goes to /dev/null: still formatted and written.
  const code = `${codeVersion(ROOT)}, dist/agent built ${distStamp(ROOT)}`;
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: opt['log-level'], NSINSPECT_KUBECONFIG: cfg, NODE_OPTIONS: opt['agent-node-options'] } });
  children.add(child);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  for (let t = 0; t < 300; t++) {
    if (child.exitCode !== null) throw new Error(`the agent exited (${child.exitCode}): ${err.trim()}`);
    const ok = await fetch(`${url}/readyz`).then(async (r) => r.ok && ((await r.json()) as { pods?: string }).pods === 'synced', () => false);
    if (ok) return { child, url, metricsUrl: `http://127.0.0.1:${mport}/metrics`, code, stderr: () => err };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the agent did not sync its pods in 30 s: ${err.trim()}`);
}

function load(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const kid = spawn(process.execPath, [LOADER, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(kid);
    let out = '';
    kid.stdout.on('data', (d: Buffer) => (out += d.toString()));
    kid.on('exit', (code) => {
      children.delete(kid);
      if (code === 0) resolve(JSON.parse(out) as LoadResult);
      else reject(new Error(`the load generator failed (exit ${code})`));
    });
  });
}

export interface Phase { name: string; calm: Calm; load?: LoadResult; agentCpuMsPerReq?: number }

async function phase(name: string, a: AgentProc, spec: Omit<LoadSpec, 'url' | 'token' | 'connections'>): Promise<Phase> {
  const calm = await waitCalm(name, Math.min(120, WAIT_CALM), ourPids);
  const pid = a.child.pid as number;
  const cpu0 = cpuMsOf(pid);
  const r = await load({ ...spec, url: a.url, token: CLIENT_TOKEN, connections: CONNS });
  const p: Phase = { name, calm, load: r, agentCpuMsPerReq: round((cpuMsOf(pid) - cpu0) / Math.max(1, r.requests), 3) };
  console.log(`  ${name}: ${r.reqPerSec} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, status ${JSON.stringify(r.status)}, agent CPU ${p.agentCpuMsPerReq} ms/req`);
  return p;
}

const pods: DemoPod[] = [];
/** PIDs of our own lab containers: not "another benchmark" for the calm check. */
function ourPids(): number {
  let n = 0;
  for (const p of pods) for (const c of [p.sandbox, p.app, p.debugger, p.debuggerNoTarget]) {
    try {
      n += readFileSync(`/sys/fs/cgroup/pids${c.cgroupsPath}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).length;
    } catch {
      n += 1;
    }
  }
  return n;
}

async function scrapeSeries(url: string, n: number): Promise<{ ms: number[]; bytes: number; lines: number }> {
  const ms: number[] = [];
  let text = '';
  for (let i = 0; i < n + 2; i++) {
    const t0 = performance.now();
    const res = await fetch(url);
    text = await res.text();
    if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
    if (i >= 2) ms.push(performance.now() - t0);
  }
  return { ms, bytes: Buffer.byteLength(text), lines: text.split('\n').filter((l) => l && !l.startsWith('#')).length };
}

async function main(): Promise<void> {
  const before = await waitCalm('setup', WAIT_CALM, () => 0);
  console.log(`setup: ${PODS} lab pods (${PODS * 4} containers) ...`);
  const t0 = performance.now();
  lab = await new Lab(`bench-agent-${randomHex(8)}`).init();
  for (let i = 0; i < PODS; i++) pods.push(await startDemoPod(lab));
  const setupS = round((performance.now() - t0) / 1000, 1);
  api = await startFakeApi(pods.map((p, i) => v1Pod(i, p)));
  const agent = await startAgent();
  const pid = agent.child.pid as number;
  const rssStart = rssOf(pid);
  console.log(`  ${setupS} s; agent pid ${pid} at ${agent.url}, RSS ${rssStart.rssMiB} MiB`);

  // Sanity: the diff of pod-0 shows the --target pid sharing; every pod answers.
  const h = { authorization: `Bearer ${CLIENT_TOKEN}` };
  const d0 = (await (await fetch(`${agent.url}/v1/pods/${POD_NAMESPACE}/pod-0/diff?debugger=debugger`, { headers: h })).json()) as { shared?: string[] };
  if (!d0.shared?.includes('pid') || !d0.shared.includes('net')) throw new Error(`unexpected diff of pod-0: ${JSON.stringify(d0).slice(0, 300)}`);
  const diffPaths = pods.map((_, i) => `/v1/pods/${POD_NAMESPACE}/pod-${i}/diff?debugger=debugger`);
  const podPaths = pods.map((_, i) => `/v1/pods/${POD_NAMESPACE}/pod-${i}`);
  const psPaths = pods.map((_, i) => `/v1/pods/${POD_NAMESPACE}/pod-${i}/containers/app/processes`);
  const mixed = pods.flatMap((_, i) => [diffPaths[i], podPaths[i], diffPaths[i], psPaths[i]]);
  for (const p of mixed) {
    const r = await fetch(agent.url + p, { headers: h });
    if (r.status !== 200) throw new Error(`${p}: ${r.status} ${await r.text()}`);
  }
  const reviewsWarm = { ...api.counts };

  const phases: Phase[] = [];
  console.log('measuring:');
  phases.push(await phase('warm-up (mixed)', agent, { paths: mixed, durationS: WARMUP }));
  const rssWarm = rssOf(pid);
  phases.push(await phase('diff', agent, { paths: diffPaths, durationS: PHASE }));
  phases.push(await phase('pod', agent, { paths: podPaths, durationS: PHASE }));
  phases.push(await phase('ps (app container)', agent, { paths: psPaths, durationS: PHASE }));
  // The framework's own ceiling: fastify + pino request logs, no auth hooks, no /proc.
  phases.push(await phase('/healthz (floor)', agent, { paths: ['/healthz'], durationS: Math.min(PHASE, 10) }));

  const calmM = await waitCalm('metrics', Math.min(120, WAIT_CALM), ourPids);
  const cpuM = cpuMsOf(pid);
  const sc = await scrapeSeries(agent.metricsUrl, SCRAPES);
  const metrics = {
    calm: calmM, scrapes: SCRAPES, medianMs: round(percentile(sc.ms, 50)), p99Ms: round(percentile(sc.ms, 99)), maxMs: round(Math.max(...sc.ms)),
    bytes: sc.bytes, samples: sc.lines, agentCpuMsPerScrape: round((cpuMsOf(pid) - cpuM) / (SCRAPES + 2), 1),
  };
  console.log(`  /metrics: median ${metrics.medianMs} ms, p99 ${metrics.p99Ms} ms, ${metrics.bytes} bytes, ${metrics.samples} samples`);

  // Sustained mixed load with a Prometheus-like scrape every 15 s; RSS sampled every second.
  const rssTimeline: Array<[number, number]> = [];
  const sampler = setInterval(() => rssTimeline.push([rssTimeline.length + 1, rssOf(pid).rssMiB]), 1000);
  const sustained = await phase(`sustained (mixed, ${DURATION} s)`, agent, { paths: mixed, durationS: DURATION, scrapeUrl: agent.metricsUrl, scrapeEveryS: 15 });
  clearInterval(sampler);
  phases.push(sustained);
  const rssEnd = rssOf(pid);
  const reviewsEnd = { ...api.counts };
  if (agent.child.exitCode !== null) throw new Error(`the agent died: ${agent.stderr()}`);
  await stopChild(agent.child);

  // One profiled agent per workload, so each profile's inclusive times belong to one kind of request.
  const profiles: AgentProfile[] = [];
  if (opt['cpu-prof']) {
    const base = join(ROOT, 'bench/results/agent-profile');
    rmSync(base, { recursive: true, force: true });
    const work: Array<[string, (a: AgentProc) => Promise<number>]> = [
      ['diff', async (a) => (await phase('diff, under --cpu-prof', a, { paths: diffPaths, durationS: PHASE })).load?.requests ?? 0],
      ['pod', async (a) => (await phase('pod, under --cpu-prof', a, { paths: podPaths, durationS: PHASE })).load?.requests ?? 0],
      ['ps', async (a) => (await phase('ps, under --cpu-prof', a, { paths: psPaths, durationS: PHASE })).load?.requests ?? 0],
      ['metrics', async (a) => (await scrapeSeries(a.metricsUrl, SCRAPES), SCRAPES + 2)],
    ];
    for (const [kind, run] of work) {
      const dir = join(base, kind);
      mkdirSync(dir, { recursive: true });
      const prof = await startAgent(dir);
      const units = await run(prof);
      await stopChild(prof.child);
      const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f))[0];
      if (file) profiles.push({ ...profileOf(kind, file, units), code: prof.code });
    }
  }

  const after = await waitCalm('end', 0, ourPids, true);
  const result = {
    issue: '2/6', date: new Date().toISOString(), code: agent.code, codeAtEnd: `${codeVersion(ROOT)}, dist/agent built ${distStamp(ROOT)}`, argv: process.argv.slice(2), machine: machineInfo(),
    setup: { pods: PODS, containers: PODS * 4, labProcesses: ourPids(), setupS, connections: CONNS, logLevel: opt['log-level'], agentNodeOptions: opt['agent-node-options'],
      measured: 'RSS and CPU of the agent child process (node dist/cli/main.js agent, auth kubernetes, pods from a fake API server); load from a separate autocannon process' },
    calm: { before, after },
    apiRequests: { afterWarmFetch: reviewsWarm, atEnd: reviewsEnd },
    phases, metrics,
    rss: { startMiB: rssStart.rssMiB, afterWarmupMiB: rssWarm.rssMiB, endMiB: rssEnd.rssMiB, peakMiB: rssEnd.hwmMiB, timeline: rssTimeline },
    ...(profiles.length ? { profiles } : {}),
  };
  mkdirSync(dirname(opt.out), { recursive: true });
  writeFileSync(opt.out, JSON.stringify(result, null, 2) + '\n');
  console.log('\n' + renderAgent(result) + `\nwritten: ${opt.out}`);
}

try {
  await main();
} catch (e) {
  console.error(`agent benchmark failed: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
