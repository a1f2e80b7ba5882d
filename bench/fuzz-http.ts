// Owns the HTTP fuzz benchmark (issue 6/6): 100k hostile requests and slowloris clients against a spawned agent; zero 5xx, no crash, bounded RSS.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Lab, randomHex } from '../lab/runc.js';
import { type DemoPod, startDemoPod } from '../lab/pod.js';
import { NODE_NAME, POD_NAMESPACE, kubeconfig, v1Pod } from './agent-kube.js';
import { FUZZ_USERS, type FuzzKube, startFuzzKube } from './fuzz-kube.js';
import { type FuzzTarget, fuzzHttp } from '../test/helpers/fuzz/http-run.js';
import { slowClients } from '../test/helpers/fuzz/slow.js';
import { fuzzWs } from '../test/helpers/fuzz/ws.js';
import { freePort } from './measure.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { values: opt } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '16' },
    seed: { type: 'string', default: process.env.FC_SEED ?? '1' },
    pods: { type: 'string', default: '2' },
    slow: { type: 'string', default: '40' },
    'ws-sessions': { type: 'string', default: '300' },
    /** RSS growth from after warm-up to the end that fails the run. */
    'rss-bound-mib': { type: 'string', default: '100' },
    out: { type: 'string', default: join(ROOT, 'bench/results/fuzz-http.json') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  console.log('usage: node dist/bench/fuzz-http.js [--requests N] [--concurrency C] [--seed S] [--pods P] [--slow N] [--rss-bound-mib M] [--out FILE]');
  process.exit(0);
}
const num = (k: 'requests' | 'concurrency' | 'seed' | 'pods' | 'slow' | 'rss-bound-mib' | 'ws-sessions'): number => {
  const n = Number(opt[k]);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${k} wants a whole number, not ${JSON.stringify(opt[k])}`);
    process.exit(2);
  }
  return n;
};

let lab: Lab | undefined;
let kube: FuzzKube | undefined;
let agent: ChildProcess | undefined;
const tmp = mkdtempSync(join(tmpdir(), 'nsinspect-fuzz-http-'));
let cleaning: Promise<void> | undefined;
const cleanup = (): Promise<void> =>
  (cleaning ??= (async () => {
    if (agent && agent.exitCode === null && agent.signalCode === null) {
      const a = agent;
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => a.kill('SIGKILL'), 15_000);
        a.once('exit', () => (clearTimeout(kill), resolve()));
        a.kill('SIGTERM');
      });
    }
    await kube?.close();
    await lab?.cleanup().catch((e: Error) => console.error(`lab cleanup: ${e.message}`));
    rmSync(tmp, { recursive: true, force: true });
  })());
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));


const statusOf = (pid: number, key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
const mib = (kb: number): number => Math.round((kb / 1024) * 10) / 10;
/** Every descendant of pid, from /proc/<pid>/task/<tid>/children. */
function descendants(pid: number): number[] {
  const kids: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) kids.push(...readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  } catch {
    return [];
  }
  return kids.flatMap((k) => [k, ...descendants(k)]);
}

async function main(): Promise<number> {
  const [REQUESTS, CONC, SEED, PODS, SLOW, RSS_BOUND, WS] = (['requests', 'concurrency', 'seed', 'pods', 'slow', 'rss-bound-mib', 'ws-sessions'] as const).map(num);
  console.log(`setup: ${PODS} lab pods, the fake API server, the agent ...`);
  lab = await new Lab(`fuzz-http-${randomHex(8)}`).init();
  const pods: DemoPod[] = [];
  for (let i = 0; i < PODS; i++) pods.push(await startDemoPod(lab));
  kube = await startFuzzKube(pods.map((p, i) => v1Pod(i, p)));
  const cfg = join(tmp, 'kubeconfig');
  writeFileSync(cfg, kubeconfig(kube.url));
  const port = await freePort();
  const args = [join(ROOT, 'dist/cli/main.js'), 'agent', '--node-name', NODE_NAME, '--auth', 'kubernetes', '--listen', `127.0.0.1:${port}`, '--metrics-listen', 'off'];
  agent = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn', NSINSPECT_KUBECONFIG: cfg, NODE_OPTIONS: '' } });
  let log = '';
  let errorLines = 0;
  const onLog = (d: Buffer): void => {
    const s = d.toString();
    errorLines += (s.match(/"level":"(error|fatal)"/g) ?? []).length;
    log = (log + s).slice(-8000);
  };
  agent.stdout?.on('data', onLog);
  agent.stderr?.on('data', onLog);
  const pid = agent.pid as number;
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (agent.exitCode !== null) throw new Error(`the agent exited (${agent.exitCode}): ${log}`);
    const ok = await fetch(`${url}/readyz`).then(async (r) => r.ok && ((await r.json()) as { pods?: string }).pods === 'synced', () => false);
    if (ok) break;
    if (i > 300) throw new Error(`the agent did not sync in 30 s: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  const target: FuzzTarget = {
    host: '127.0.0.1', port, tokens: Object.keys(FUZZ_USERS),
    pods: pods.map((_, i) => ({ namespace: POD_NAMESPACE, name: `pod-${i}`, containers: ['app', 'debugger', 'debugger-notarget'] })),
    containerIDs: pods.flatMap((p) => [p.sandbox.id, p.app.id, p.debugger.id, p.debuggerNoTarget.id]),
    pids: pods.flatMap((p) => [p.sandbox.pid, p.app.pid, p.debugger.pid]),
  };
  // Warm-up with another seed: JIT, caches and the review cache reach their working size first.
  await fuzzHttp(target, { requests: 3000, seed: SEED + 7919, concurrency: CONC });
  const rss = { startMiB: mib(statusOf(pid, 'VmRSS')), peakMiB: 0, endMiB: 0 };
  const fds = { start: readdirSync(`/proc/${pid}/fd`).length, end: 0 };
  const sampler = setInterval(() => {
    if (agent?.exitCode === null) rss.peakMiB = Math.max(rss.peakMiB, mib(statusOf(pid, 'VmRSS')));
  }, 250);

  console.log(`fuzzing: ${REQUESTS} requests over ${CONC} connections (seed ${SEED}), ${SLOW} slowloris connections; agent pid ${pid}, RSS ${rss.startMiB} MiB`);
  const slow = slowClients('127.0.0.1', port, SLOW, 'fuzz-admin');
  const t0 = performance.now();
  const counts = await fuzzHttp(target, {
    requests: REQUESTS, seed: SEED, concurrency: CONC,
    onProgress: (n) => n % 10_000 === 0 && console.log(`  ${n} requests, ${Math.round(n / ((performance.now() - t0) / 1000))}/s, RSS ${mib(statusOf(pid, 'VmRSS'))} MiB`),
  });
  const durationS = Math.round((performance.now() - t0) / 100) / 10;
  // WebSocket attach sessions (cat or true only), frames out of order and malformed; then no process may be left.
  const ws = WS > 0 ? await fuzzWs(target, { sessions: WS, seed: SEED, concurrency: 4, token: 'fuzz-admin' }) : undefined;
  if (ws) console.log(`websocket: ${ws.sessions} sessions, handshakes ${JSON.stringify(ws.handshake)}, ended ${JSON.stringify(ws.ended)}`);
  let leftover = descendants(pid);
  for (let i = 0; i < 50 && leftover.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 200));
    leftover = descendants(pid);
  }
  // The server's request timeout (30 s) is enforced by a check every 30 s: allow 75 s from their start.
  const slowResults = await slow.done(Math.max(0, 75_000 - (performance.now() - t0)));
  clearInterval(sampler);
  const alive = agent.exitCode === null && agent.signalCode === null;
  const health = alive ? await fetch(`${url}/healthz`).then((r) => r.status, () => 0) : 0;
  const diff = alive ? await fetch(`${url}/v1/pods/${POD_NAMESPACE}/pod-0/diff?debugger=debugger`, { headers: { authorization: 'Bearer fuzz-admin' } }).then((r) => r.status, () => 0) : 0;
  rss.endMiB = alive ? mib(statusOf(pid, 'VmRSS')) : NaN;
  fds.end = alive ? readdirSync(`/proc/${pid}/fd`).length : NaN;
  const fiveXX = counts.byClass['5xx'] ?? 0;
  const slowOpen = slowResults.filter((r) => r.closedAfterMs === undefined).length;
  const slowMaxS = Math.round(Math.max(0, ...slowResults.map((r) => r.closedAfterMs ?? Infinity)) / 1000);
  const checks = {
    zero5xx: fiveXX === 0,
    noFindings: counts.findings.length === 0,
    agentUp: alive && health === 200 && diff === 200,
    rssBounded: rss.endMiB - rss.startMiB <= RSS_BOUND,
    slowClosedByServer: slowOpen === 0,
    noErrorLogs: errorLines === 0,
    wsNoHang: (ws?.hung ?? 0) === 0,
    wsNoCrossTalk: (ws?.crossTalk ?? 0) === 0 && (ws?.handshake.bad ?? 0) === 0,
    noLeftoverProcesses: leftover.length === 0,
  };
  const result = {
    date: new Date().toISOString(), seed: SEED, concurrency: CONC, durationS, reqPerSec: Math.round(counts.requests / durationS),
    requests: counts.requests, byClass: counts.byClass, byStatus: counts.byStatus, byKind: counts.byKind, connectErrors: counts.connectErrors,
    ws, leftoverProcesses: leftover.length, rss, fds, slow: { connections: SLOW, stillOpen: slowOpen, maxClosedAfterS: slowMaxS, byKind: summarizeSlow(slowResults) },
    agentErrorLogLines: errorLines, checks, pass: Object.values(checks).every(Boolean), findings: counts.findings.slice(0, 50),
  };
  mkdirSync(dirname(opt.out as string), { recursive: true });
  writeFileSync(opt.out as string, JSON.stringify(result, null, 2) + '\n');
  console.log(`\n${counts.requests} requests in ${durationS} s (${result.reqPerSec}/s)`);
  console.log(`by class:  ${JSON.stringify(counts.byClass)}`);
  console.log(`by status: ${JSON.stringify(counts.byStatus)}`);
  console.log(`RSS MiB: start ${rss.startMiB}, peak ${rss.peakMiB}, end ${rss.endMiB}; fds ${fds.start} -> ${fds.end}`);
  console.log(`slowloris: ${SLOW} connections, ${slowOpen} left open by the server, the last closed after ${slowMaxS} s: ${JSON.stringify(result.slow.byKind)}`);
  console.log(`checks: ${JSON.stringify(checks)}${counts.findings.length ? `\nfindings:\n${counts.findings.slice(0, 10).map((f) => JSON.stringify(f)).join('\n')}` : ''}`);
  console.log(`wrote ${opt.out}`);
  return result.pass ? 0 : 1;
}

function summarizeSlow(rs: Array<{ kind: string; closedAfterMs?: number; answer?: string }>): Record<string, { maxS: number | null; answers: string[] }> {
  const out: Record<string, { maxS: number | null; answers: string[] }> = {};
  for (const r of rs) {
    const o = (out[r.kind] ??= { maxS: 0, answers: [] });
    o.maxS = r.closedAfterMs === undefined || o.maxS === null ? null : Math.max(o.maxS, Math.round(r.closedAfterMs / 100) / 10);
    const a = r.answer ?? 'closed without an answer';
    if (!o.answers.includes(a)) o.answers.push(a);
  }
  return out;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(`fuzz-http: ${err instanceof Error ? err.stack : String(err)}`);
} finally {
  await cleanup();
}
process.exit(code);
