// The soak scenario: the agent under mixed load for minutes while pods churn and containers come and go; a leak fails it (verdict and gnuplot plot here).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import WebSocket from 'ws';
import { Lab, randomHex } from '../lab/runc.js';
import { type DemoPod, startDemoPod } from '../lab/pod.js';
import { attachURL } from '../cli/cluster/attach-client.js';
import { CH } from '../agent/protocol/frames.js';
import { type ProcessSample, sampleAgent, startAgent } from './harness/agent.js';
import { ROOT, args } from './harness/args.js';
import { CLIENT_TOKEN, DENIED_TOKEN, NODE_NAME, POD_NAMESPACE, benchApiServer, podJson } from './harness/kube.js';
import { codeVersion, machine } from './harness/machine.js';
import { now, writeResult } from './harness/report.js';
import { onCleanup, runBench } from './harness/run.js';

const opt = args('soak', { duration: '600', warmup: '60', pods: '8', workers: '4', churn: '20' });
const [DURATION, WARMUP, PODS, WORKERS, CHURN_S] = (['duration', 'warmup', 'pods', 'workers', 'churn'] as const).map((k) => opt.int(k)) as [number, number, number, number, number];

interface Sample extends ProcessSample {
  /** Seconds since the load started. */
  t: number;
  requests: number;
  failures: number;
}

/** What each kind of request may answer: anything else counts as a failure. */
const OK: Record<string, number[]> = {
  containers: [200], pod: [200], diff: [200], ps: [200], exec: [200], attach: [0],
  metrics: [200], notFound: [404], badName: [400], denied: [403], churned: [200, 404, 409],
};

interface Live { n: number; pod: DemoPod }

runBench('soak', async () => {
  const lab = await new Lab(`bench-soak-${randomHex(8)}`).init();
  onCleanup(() => lab.cleanup());
  const live: Live[] = [];
  for (let i = 0; i < PODS; i++) live.push({ n: i, pod: await startDemoPod(lab) });
  const api = await benchApiServer(live.map((l) => l.pod));
  onCleanup(() => api.close());
  // Every worker is one user (CLIENT_TOKEN): the per-user quota (2 by default, test/attack covers it) would turn the soak's own sessions into 429s.
  const agent = await startAgent({ kubeconfig: api.kubeconfigPath, nodeName: NODE_NAME, metrics: true, env: { LOG_LEVEL: 'info', NSINSPECT_MAX_EXEC_SESSIONS: '16', NSINSPECT_MAX_EXEC_SESSIONS_PER_USER: '16' } });
  const base = agent.url;

  const counts: Record<string, Record<string, number>> = {};
  const latency: Record<string, number[]> = {};
  const failures: string[] = [];
  let requests = 0;
  const note = (kind: string, status: number, what: string, ms?: number): void => {
    requests++;
    if (ms !== undefined) (latency[kind] ??= []).push(ms);
    const c = (counts[kind] ??= {});
    c[status] = (c[status] ?? 0) + 1;
    if (!OK[kind]?.includes(status) && failures.length < 50) failures.push(`${kind} ${what}: ${status}`);
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

  const pick = (): Live => live[Math.floor(Math.random() * Math.min(live.length, PODS))] ?? { n: 0, pod: live[0]?.pod as DemoPod };
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
    [10, () => req('churned', `/v1/pods/${POD_NAMESPACE}/pod-${live.at(-1)?.n ?? 0}/diff?debugger=debugger`)],
  ];
  const total = ops.reduce((a, [w]) => a + w, 0);
  const one = (): Promise<void> => {
    let r = Math.random() * total;
    for (const [w, f] of ops) if ((r -= w) < 0) return f();
    return req('containers', '/v1/containers');
  };

  const t0 = performance.now();
  const elapsed = (): number => (performance.now() - t0) / 1000;
  let stop = false;
  const workers = Array.from({ length: WORKERS }, async () => {
    while (!stop) await one();
  });
  const scraper = (async () => {
    while (!stop) {
      const r = await fetch(agent.metricsUrl ?? '').catch(() => undefined);
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
      api.pods.add(podJson(fresh.n, fresh.pod));
      if (live.length > PODS + 2) {
        const [old] = live.splice(PODS, 1);
        if (!old) continue;
        for (const c of [old.pod.debuggerNoTarget, old.pod.debugger, old.pod.app, old.pod.sandbox]) await lab.kill(c.id).catch(() => undefined);
        api.pods.delete(POD_NAMESPACE, `pod-${old.n}`);
      }
    }
  })();
  const samples: Sample[] = [];
  const pid = agent.pid;
  while (elapsed() < DURATION) {
    samples.push({ t: Math.round(elapsed()), ...sampleAgent(pid), requests, failures: failures.length });
    const s = samples.at(-1) as Sample;
    if (samples.length % 12 === 1) console.log(`  t=${s.t}s rss=${s.rssMiB} MiB fds=${s.fds} ptys=${s.ptys} children=${s.children} requests=${requests} unexpected=${failures.length}`);
    await new Promise((res) => setTimeout(res, 5000));
  }
  stop = true;
  await Promise.all([...workers, scraper, churner]);
  await new Promise((res) => setTimeout(res, 3000));
  const after = sampleAgent(pid);
  const v = verdict(samples, WARMUP, after, failures.length);
  const png = opt.out.replace(/\.json$/, '.png');
  const m = machine();
  const why = plot(samples, WARMUP, png, `nsinspect agent soak: ${DURATION} s, ${WORKERS} workers, ${requests} requests, pods churning every ${CHURN_S} s (${m.nproc} x ${m.cpuModel})`);
  const pct = (xs: number[], p: number): number => Math.round(([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN) * 10) / 10;
  const lat = Object.fromEntries(Object.entries(latency).map(([k, xs]) => [k, { p50: pct(xs, 50), p99: pct(xs, 99) }]));
  const result = { date: now(), code: codeVersion(ROOT), machine: m, durationS: DURATION, warmupS: WARMUP, pods: PODS, workers: WORKERS, churnS: CHURN_S, requests, counts, latency: lat, unexpected: failures, after, verdict: v, samples, plot: why ?? png };
  writeResult(opt.out, result);
  console.log([
    `nsinspect soak  ${result.date}  code ${result.code}  ${DURATION} s, ${requests} requests (${(requests / DURATION).toFixed(0)}/s)`,
    ...Object.entries(counts).map(([k, c]) => `  ${k.padEnd(11)} ${Object.entries(c).map(([s, n]) => `${s}: ${n}`).join(', ').padEnd(24)} ${lat[k] ? `p50 ${lat[k].p50} ms, p99 ${lat[k].p99} ms` : ''}`),
    ...v.checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'}  ${c.check}: ${c.value}`),
    ...(failures.length ? ['unexpected:', ...failures.slice(0, 10).map((f) => `  ${f}`)] : []),
    `plot: ${why ?? png}`,
    `written: ${opt.out}`,
  ].join('\n'));
  return v.pass ? 0 : 1;
});

/** The upper median (no averaging): what the verdict's thresholds were set against. */
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/**
 * Theil-Sen slope of y over t, per minute: the median of the pairwise slopes. One GC bump near the
 * end of a run cannot tilt it the way it tilts a least-squares line; a steady leak still shows.
 */
function slopePerMin(pts: Array<{ t: number; y: number }>): number {
  const slopes: number[] = [];
  for (const [i, a] of pts.entries()) {
    for (const b of pts.slice(i + 1)) if (b.t > a.t) slopes.push((b.y - a.y) / (b.t - a.t));
  }
  return slopes.length ? median(slopes) * 60 : 0;
}

interface Verdict {
  pass: boolean;
  checks: Array<{ check: string; value: string; pass: boolean }>;
}

/**
 * Pass: after the load stops nothing is left (no pty, no child, fds back near the warm-up level),
 * RSS is flat after warm-up (the last third's median within 10% of the first post-warm-up third's,
 * and its trend under 1 MiB a minute), and no request failed other than the intended 4xx answers.
 */
function verdict(samples: Sample[], warmupS: number, after: ProcessSample, unexpected: number): Verdict {
  const steady = samples.filter((s) => s.t >= warmupS);
  const third = Math.max(1, Math.floor(steady.length / 3));
  const early = median(steady.slice(0, third).map((s) => s.rssMiB));
  const late = median(steady.slice(-third).map((s) => s.rssMiB));
  const slope = slopePerMin(steady.slice(third).map((s) => ({ t: s.t, y: s.rssMiB })));
  const baseFds = median(steady.slice(0, third).map((s) => s.fds));
  const checks = [
    { check: 'no pty left open after the load', value: String(after.ptys), pass: after.ptys === 0 },
    { check: 'no child process left after the load', value: String(after.children), pass: after.children === 0 },
    { check: 'file descriptors back to the steady level (+5)', value: `${after.fds} (steady median ${baseFds})`, pass: after.fds <= baseFds + 5 },
    { check: 'RSS flat: last third within 10% of the first steady third', value: `${early} -> ${late} MiB`, pass: late <= early * 1.1 },
    { check: 'RSS trend after warm-up (Theil-Sen) under 1 MiB/min', value: `${slope.toFixed(2)} MiB/min`, pass: slope < 1 },
    { check: 'no request failed except the intended 4xx', value: String(unexpected), pass: unexpected === 0 },
  ];
  return { pass: checks.every((c) => c.pass), checks };
}

/** Plots RSS, fds, ptys and children over time with gnuplot, if it is installed; returns why not otherwise. */
function plot(samples: Sample[], warmupS: number, png: string, title: string): string | undefined {
  const data = png.replace(/\.png$/, '.dat');
  writeFileSync(data, samples.map((s) => `${s.t} ${s.rssMiB} ${s.fds} ${s.ptys} ${s.children}`).join('\n') + '\n');
  const script = [
    'set terminal pngcairo size 1000,600 font "DejaVu Sans,10"',
    `set output '${png}'`,
    'set multiplot layout 2,1',
    `set title '${title.replace(/'/g, '')}'`,
    'set xlabel "seconds under load"',
    'set ylabel "RSS (MiB)"',
    'set yrange [0:*]',
    'set grid',
    `set arrow from ${warmupS}, graph 0 to ${warmupS}, graph 1 nohead dt 2`,
    `plot '${data}' using 1:2 with lines lw 2 title 'agent RSS'`,
    'unset title',
    'set ylabel "count"',
    `plot '${data}' using 1:3 with lines lw 2 title 'open fds', '' using 1:4 with lines lw 2 title 'ptys', '' using 1:5 with lines lw 2 title 'child processes'`,
    'unset multiplot',
  ].join('\n');
  try {
    execFileSync('gnuplot', [], { input: script, stdio: ['pipe', 'ignore', 'pipe'] });
    return undefined;
  } catch (e) {
    return `no plot: ${(e as Error).message.split('\n')[0]} (apt-get install gnuplot-nox)`;
  }
}
