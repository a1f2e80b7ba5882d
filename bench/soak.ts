// Owns the soak (issue 6/6): the agent under mixed load for minutes while pods churn and containers come and go; leaks fail it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { Lab, randomHex } from '../lab/runc.js';
import { type DemoPod, startDemoPod } from '../lab/pod.js';
import { CLIENT_TOKEN, DENIED_TOKEN, NODE_NAME, POD_NAMESPACE, type FakeApi, kubeconfig, startFakeApi, v1Pod } from './agent-kube.js';
import { codeVersion, machineInfo } from './agent-report.js';
import { type Sample, plot, sampleAgent, verdict } from './soak-report.js';
import { freePort } from './measure.js';
import { attachURL } from '../cli/cluster/attach-client.js';
import { CH } from '../agent/protocol/frames.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const { values: opt } = parseArgs({
  options: {
    duration: { type: 'string', default: '600' },
    warmup: { type: 'string', default: '60' },
    pods: { type: 'string', default: '8' },
    workers: { type: 'string', default: '4' },
    churn: { type: 'string', default: '20' },
    out: { type: 'string', default: join(ROOT, 'bench/results/soak.json') },
  },
});
const [DURATION, WARMUP, PODS, WORKERS, CHURN_S] = (['duration', 'warmup', 'pods', 'workers', 'churn'] as const).map((k) => {
  const n = Number(opt[k]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${k} wants a positive integer\nusage: node dist/bench/soak.js [--duration S] [--warmup S] [--pods N] [--workers N] [--churn S] [--out FILE]`);
    process.exit(2);
  }
  return n;
});

const lab = new Lab(`bench-soak-${randomHex(8)}`);
let api: FakeApi | undefined;
let agent: ChildProcess | undefined;
const tmp = mkdtempSync(join(tmpdir(), 'nsinspect-soak-'));
const cleanup = async (): Promise<void> => {
  agent?.kill('SIGTERM');
  await api?.close();
  await lab.cleanup().catch((e: Error) => console.error(`lab cleanup: ${e.message}`));
  rmSync(tmp, { recursive: true, force: true });
};
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));


/** What each kind of request may answer: anything else counts as a failure. */
const OK: Record<string, number[]> = {
  containers: [200], pod: [200], diff: [200], ps: [200], exec: [200], attach: [0],
  metrics: [200], notFound: [404], badName: [400], denied: [403], churned: [200, 404, 409],
};

interface Live { n: number; pod: DemoPod }

async function main(): Promise<void> {
  await lab.init();
  const live: Live[] = [];
  for (let i = 0; i < PODS; i++) live.push({ n: i, pod: await startDemoPod(lab) });
  api = await startFakeApi(live.map((l) => v1Pod(l.n, l.pod)));
  const [port, mport] = [await freePort(), await freePort()];
  writeFileSync(join(tmp, 'kubeconfig'), kubeconfig(api.url));
  const env = { ...process.env, LOG_LEVEL: 'info', NSINSPECT_KUBECONFIG: join(tmp, 'kubeconfig'), NSINSPECT_MAX_EXEC_SESSIONS: '16' };
  agent = spawn(process.execPath, [CLI, 'agent', '--node-name', NODE_NAME, '--listen', `127.0.0.1:${port}`, '--metrics-listen', `127.0.0.1:${mport}`], { stdio: ['ignore', 'ignore', 'inherit'], env });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (await fetch(`${base}/readyz`).then((r) => r.ok, () => false)) break;
    if (i > 300) throw new Error('the agent did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }

  const counts: Record<string, Record<string, number>> = {};
  const latency: Record<string, number[]> = {};
  const failures: string[] = [];
  let requests = 0;
  const note = (kind: string, status: number, what: string, ms?: number): void => {
    requests++;
    if (ms !== undefined) (latency[kind] ??= []).push(ms);
    (counts[kind] ??= {})[status] = (counts[kind][status] ?? 0) + 1;
    if (!OK[kind].includes(status) && failures.length < 50) failures.push(`${kind} ${what}: ${status}`);
  };
  const auth = (token = CLIENT_TOKEN) => ({ authorization: `Bearer ${token}` });
  const req = async (kind: string, path: string, init: RequestInit = {}, token?: string): Promise<void> => {
    const t = performance.now();
    const r = await fetch(`${base}${path}`, { ...init, headers: { ...auth(token), ...(init.headers ?? {}) }, signal: AbortSignal.timeout(30_000) }).catch(() => undefined);
    if (r) await r.arrayBuffer();
    note(kind, r?.status ?? -1, path, performance.now() - t);
  };
  const attach = (name: string): Promise<void> =>
    new Promise((resolve) => {
      const t = performance.now();
      const ws = new WebSocket(attachURL(base, `/v1/pods/${POD_NAMESPACE}/${name}/containers/app/attach`, { command: ['sh', '-c', 'echo x; exit 3'], namespaces: 'all', tty: true }), { headers: auth() });
      let code = -1;
      ws.on('message', (d: Buffer) => {
        if (d[0] === CH.status) code = (JSON.parse(d.subarray(1).toString()) as { exitCode: number }).exitCode === 3 ? 0 : 1;
      });
      ws.on('close', () => resolve(note('attach', code, name, performance.now() - t)));
      ws.on('error', () => undefined);
    });

  const pick = (): Live => live[Math.floor(Math.random() * Math.min(live.length, PODS))];
  const ops: Array<[number, () => Promise<void>]> = [
    [5, () => req('containers', '/v1/containers')],
    [20, () => req('pod', `/v1/pods/${POD_NAMESPACE}/pod-${pick().n}`)],
    [30, () => req('diff', `/v1/pods/${POD_NAMESPACE}/pod-${pick().n}/diff?debugger=debugger`)],
    [15, () => req('ps', `/v1/pods/${POD_NAMESPACE}/pod-${pick().n}/containers/app/processes`)],
    [5, () => req('exec', `/v1/pods/${POD_NAMESPACE}/pod-${pick().n}/containers/app/exec`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command: ['ps'], namespaces: 'tools' }) })],
    [3, () => attach(`pod-${pick().n}`)],
    [4, () => req('notFound', `/v1/pods/${POD_NAMESPACE}/no-such-pod`)],
    [4, () => req('badName', '/v1/pods/Bad_Name/x')],
    [4, () => req('denied', `/v1/pods/${POD_NAMESPACE}/pod-0`, {}, DENIED_TOKEN)],
    [10, () => req('churned', `/v1/pods/${POD_NAMESPACE}/pod-${live[live.length - 1].n}/diff?debugger=debugger`)],
  ];
  const total = ops.reduce((a, [w]) => a + w, 0);
  const one = (): Promise<void> => {
    let r = Math.random() * total;
    for (const [w, f] of ops) if ((r -= w) < 0) return f();
    return ops[0][1]();
  };

  const t0 = performance.now();
  const elapsed = (): number => (performance.now() - t0) / 1000;
  let stop = false;
  const workers = Array.from({ length: WORKERS }, async () => {
    while (!stop) await one();
  });
  const scraper = (async () => {
    while (!stop) {
      const r = await fetch(`http://127.0.0.1:${mport}/metrics`).catch(() => undefined);
      if (r) await r.text();
      note('metrics', r?.status ?? -1, '/metrics');
      await new Promise((res) => setTimeout(res, 5000));
    }
  })();
  // Churn: a new pod of real containers arrives, the oldest churned one is killed and deleted.
  let next = PODS;
  const churner = (async () => {
    while (!stop) {
      await new Promise((res) => setTimeout(res, CHURN_S * 1000));
      if (stop) break;
      const fresh = { n: next++, pod: await startDemoPod(lab) };
      live.push(fresh);
      api?.put(v1Pod(fresh.n, fresh.pod));
      if (live.length > PODS + 2) {
        const [old] = live.splice(PODS, 1);
        for (const c of [old.pod.debuggerNoTarget, old.pod.debugger, old.pod.app, old.pod.sandbox]) await lab.kill(c.id).catch(() => undefined);
        api?.remove(`pod-${old.n}`);
      }
    }
  })();
  const samples: Sample[] = [];
  const pid = agent.pid as number;
  while (elapsed() < DURATION) {
    samples.push({ t: Math.round(elapsed()), ...sampleAgent(pid), requests, failures: failures.length });
    const s = samples[samples.length - 1];
    if (samples.length % 12 === 1) console.log(`  t=${s.t}s rss=${s.rssMiB} MiB fds=${s.fds} ptys=${s.ptys} children=${s.children} requests=${requests} unexpected=${failures.length}`);
    await new Promise((res) => setTimeout(res, 5000));
  }
  stop = true;
  await Promise.all([...workers, scraper, churner]);
  await new Promise((res) => setTimeout(res, 3000));
  const after = sampleAgent(pid);
  const v = verdict(samples, WARMUP, after, failures.length);
  const png = opt.out.replace(/\.json$/, '.png');
  const m = machineInfo();
  const why = plot(samples, WARMUP, png, `nsinspect agent soak: ${DURATION} s, ${WORKERS} workers, ${requests} requests, pods churning every ${CHURN_S} s (${m.nproc} x ${m.cpuModel})`);
  const pct = (xs: number[], p: number): number => Math.round([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] * 10) / 10;
  const lat = Object.fromEntries(Object.entries(latency).map(([k, xs]) => [k, { p50: pct(xs, 50), p99: pct(xs, 99) }]));
  const result = { issue: '6/6', date: new Date().toISOString(), code: codeVersion(ROOT), machine: m, durationS: DURATION, warmupS: WARMUP, pods: PODS, workers: WORKERS, churnS: CHURN_S, requests, counts, latency: lat, unexpected: failures, after, verdict: v, samples, plot: why ?? png };
  mkdirSync(dirname(opt.out), { recursive: true });
  writeFileSync(opt.out, JSON.stringify(result, null, 2) + '\n');
  await cleanup();
  console.log([
    `nsinspect soak  ${result.date}  code ${result.code}  ${DURATION} s, ${requests} requests (${(requests / DURATION).toFixed(0)}/s)`,
    ...Object.entries(counts).map(([k, c]) => `  ${k.padEnd(11)} ${Object.entries(c).map(([s, n]) => `${s}: ${n}`).join(', ').padEnd(24)} ${lat[k] ? `p50 ${lat[k].p50} ms, p99 ${lat[k].p99} ms` : ''}`),
    ...v.checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'}  ${c.check}: ${c.value}`),
    ...(failures.length ? ['unexpected:', ...failures.slice(0, 10).map((f) => `  ${f}`)] : []),
    `plot: ${why ?? png}`,
    `written: ${opt.out}`,
  ].join('\n'));
  process.exit(v.pass ? 0 : 1);
}

main().catch(async (err: Error) => {
  console.error(`soak: ${err.stack ?? err.message}`);
  await cleanup();
  process.exit(1);
});
