// The HTTP fuzz scenario: 100k hostile requests, WebSocket sessions and slowloris clients against a spawned agent; zero 5xx, no crash, bounded RSS.
import { readFileSync, readdirSync } from 'node:fs';
import { Lab, randomHex } from '../lab/runc.js';
import { type DemoPod, startDemoPod } from '../lab/pod.js';
import { type FuzzTarget, fuzzHttp } from '../test/helpers/fuzz/http-run.js';
import { slowClients } from '../test/helpers/fuzz/slow.js';
import { fuzzWs } from '../test/helpers/fuzz/ws.js';
import { descendants, startAgent } from './harness/agent.js';
import { args } from './harness/args.js';
import { FUZZ_TOKENS, NODE_NAME, POD_NAMESPACE, benchApiServer } from './harness/kube.js';
import { now, writeResult } from './harness/report.js';
import { onCleanup, runBench } from './harness/run.js';

const opt = args('fuzz-http', {
  requests: '100000', concurrency: '16', seed: process.env.FC_SEED ?? '1', pods: '2', slow: '40', 'ws-sessions': '300',
  // RSS growth from after warm-up to the end that fails the run.
  'rss-bound-mib': '100',
});
const statusOf = (pid: number, key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
const mib = (kb: number): number => Math.round((kb / 1024) * 10) / 10;

runBench('fuzz-http', async () => {
  const [REQUESTS, CONC, SEED, PODS, SLOW, RSS_BOUND, WS] = (['requests', 'concurrency', 'seed', 'pods', 'slow', 'rss-bound-mib', 'ws-sessions'] as const).map((k) => opt.int(k, 0)) as [number, number, number, number, number, number, number];
  console.log(`setup: ${PODS} lab pods, the fake API server, the agent ...`);
  const lab = await new Lab(`fuzz-http-${randomHex(8)}`).init();
  onCleanup(() => lab.cleanup());
  const pods: DemoPod[] = [];
  for (let i = 0; i < PODS; i++) pods.push(await startDemoPod(lab));
  const kube = await benchApiServer(pods);
  onCleanup(() => kube.close());
  const agent = await startAgent({ kubeconfig: kube.kubeconfigPath, nodeName: NODE_NAME, captureStdout: true, env: { LOG_LEVEL: 'warn', NODE_OPTIONS: '' } });
  const { pid, url } = agent;
  const port = Number(new URL(url).port);

  const target: FuzzTarget = {
    host: '127.0.0.1', port, tokens: FUZZ_TOKENS,
    pods: pods.map((_, i) => ({ namespace: POD_NAMESPACE, name: `pod-${i}`, containers: ['app', 'debugger', 'debugger-notarget'] })),
    containerIDs: pods.flatMap((p) => [p.sandbox.id, p.app.id, p.debugger.id, p.debuggerNoTarget.id]),
    pids: pods.flatMap((p) => [p.sandbox.pid, p.app.pid, p.debugger.pid]),
  };
  // Warm-up with another seed: JIT, caches and the review cache reach their working size first.
  await fuzzHttp(target, { requests: 3000, seed: SEED + 7919, concurrency: CONC });
  const rss = { startMiB: mib(statusOf(pid, 'VmRSS')), peakMiB: 0, endMiB: 0 };
  const fds = { start: readdirSync(`/proc/${pid}/fd`).length, end: 0 };
  const sampler = setInterval(() => {
    if (agent.child.exitCode === null) rss.peakMiB = Math.max(rss.peakMiB, mib(statusOf(pid, 'VmRSS')));
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
  const alive = agent.child.exitCode === null && agent.child.signalCode === null;
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
    noErrorLogs: agent.errorLines() === 0,
    wsNoHang: (ws?.hung ?? 0) === 0,
    wsNoCrossTalk: (ws?.crossTalk ?? 0) === 0 && (ws?.handshake.bad ?? 0) === 0,
    noLeftoverProcesses: leftover.length === 0,
  };
  const result = {
    date: now(), seed: SEED, concurrency: CONC, durationS, reqPerSec: Math.round(counts.requests / durationS),
    requests: counts.requests, byClass: counts.byClass, byStatus: counts.byStatus, byKind: counts.byKind, connectErrors: counts.connectErrors,
    ws, leftoverProcesses: leftover.length, rss, fds, slow: { connections: SLOW, stillOpen: slowOpen, maxClosedAfterS: slowMaxS, byKind: summarizeSlow(slowResults) },
    agentErrorLogLines: agent.errorLines(), checks, pass: Object.values(checks).every(Boolean), findings: counts.findings.slice(0, 50),
  };
  writeResult(opt.out, result);
  console.log(`\n${counts.requests} requests in ${durationS} s (${result.reqPerSec}/s)`);
  console.log(`by class:  ${JSON.stringify(counts.byClass)}`);
  console.log(`by status: ${JSON.stringify(counts.byStatus)}`);
  console.log(`RSS MiB: start ${rss.startMiB}, peak ${rss.peakMiB}, end ${rss.endMiB}; fds ${fds.start} -> ${fds.end}`);
  console.log(`slowloris: ${SLOW} connections, ${slowOpen} left open by the server, the last closed after ${slowMaxS} s: ${JSON.stringify(result.slow.byKind)}`);
  console.log(`checks: ${JSON.stringify(checks)}${counts.findings.length ? `\nfindings:\n${counts.findings.slice(0, 10).map((f) => JSON.stringify(f)).join('\n')}` : ''}`);
  console.log(`wrote ${opt.out}`);
  return result.pass ? 0 : 1;
});

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
