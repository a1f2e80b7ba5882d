// `nsinspect agent` as a process: flags, refusal of unsafe setups, JSON logs, readiness, SIGTERM drain.
import t, { type Test } from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { apiServerFor, NODE } from '../helpers/cluster.js';
import { waitFor } from '../helpers/lab.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const cleanEnv = (): Record<string, string> => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: mkdtempSync(join(tmpdir(), 'nsi-home-')) });

/** Starts the agent; resolves with its API and metrics URLs once both listen (ports from its JSON log). */
async function startAgent(t: Test, args: string[], env = cleanEnv()) {
  const child: ResultPromise = execa(process.execPath, [CLI, 'agent', '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', ...args], {
    env, extendEnv: false, reject: false, all: true, buffer: true,
    // SIGTERM drains first; only a drain that outlives a pod's default grace period is a failure.
    forceKillAfterDelay: 30_000,
  });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  const lines: Array<Record<string, unknown>> = [];
  child.stdout?.on('data', (b: Buffer) => {
    for (const l of b.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  const urls = await waitFor('the agent to listen', () => {
    const u = lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('API listening at ')).map((l) => (l.msg as string).slice('API listening at '.length));
    return u.length >= 1 ? u : undefined;
  }, 45_000);
  return { child, lines, api: urls[0] };
}

t.test('--auth none is refused off loopback', async (t) => {
  const r = await execa(process.execPath, [CLI, 'agent', '--auth', 'none', '--listen', '0.0.0.0:9742'], { reject: false, env: cleanEnv(), extendEnv: false, timeout: 60_000 });
  t.equal(r.exitCode, 2);
  t.match(r.stderr, /--auth none is refused on 0\.0\.0\.0:9742.*Try: use --listen 127\.0\.0\.1:9742/);
  const bad = await execa(process.execPath, [CLI, 'agent', '--listen', 'nowhere'], { reject: false, env: cleanEnv(), extendEnv: false, timeout: 60_000 });
  t.equal(bad.exitCode, 2);
  t.match(bad.stderr, /invalid listen address "nowhere"/);
});

t.test('without Kubernetes: node-local endpoints, pod endpoints off, JSON logs, SIGTERM exits 0', async (t) => {
  const { child, lines, api } = await startAgent(t, ['--auth', 'none']);
  t.ok(lines.some((l) => l.msg === 'no Kubernetes config: pod endpoints are off, node-local endpoints only'), 'says so in its log');
  t.ok(lines.every((l) => typeof l.level === 'string' && typeof l.time === 'string' && !Number.isNaN(Date.parse(l.time))), 'structured JSON logs: level names, ISO times');
  const ready = await fetch(`${api}/readyz`);
  t.same(await ready.json(), { status: 'ready', pods: 'off' });
  const pod = await fetch(`${api}/v1/pods/shop/web`);
  t.equal(pod.status, 503);
  const who = await fetch(`${api}/v1/processes/${process.pid}`);
  t.equal(who.status, 200);
  child.kill('SIGTERM');
  const r = await child;
  t.equal(r.exitCode, 0, 'SIGTERM exits 0');
});

t.test('with the fake API server: readiness after sync; SIGTERM drains in-flight requests', async (t) => {
  const srv = await apiServerFor(t);
  const { child, api } = await startAgent(t, ['--kubeconfig', srv.kubeconfigPath, '--node-name', NODE]);
  await waitFor('readyz', async () => ((await fetch(`${api}/readyz`)).status === 200 ? true : undefined), 10_000);
  // A request held by a slow TokenReview is in flight when SIGTERM arrives: it must still be answered.
  srv.setLatency(1500);
  const seen = srv.requests.length;
  const inflight = fetch(`${api}/v1/pods/shop/web`, { headers: { authorization: 'Bearer viewer-token' } });
  // The agent is now waiting on the (slow) TokenReview: the request is in flight.
  await waitFor('the TokenReview of the in-flight request', () => (srv.requests.slice(seen).some((r) => r.path.endsWith('/tokenreviews')) ? true : undefined), 20_000);
  child.kill('SIGTERM');
  const res = await inflight;
  t.equal(res.status, 404, `answered after SIGTERM: authorized, and no such pod: ${await res.text()}`);
  const r = await child;
  t.equal(r.exitCode, 0, `exit ${r.exitCode} ${r.signal ?? ''} ${String(r.stderr).slice(-500)}`);
});

t.test('NODE_NAME and the env twins of the flags', async (t) => {
  const srv = await apiServerFor(t);
  const env = { ...cleanEnv(), NODE_NAME: NODE, NSINSPECT_KUBECONFIG: srv.kubeconfigPath, NSINSPECT_AUTH: 'none' };
  const { child, lines } = await startAgent(t, [], env);
  t.ok(lines.some((l) => l.msg === 'watching the pods of this node' && l.node === NODE && l.auth === 'none'));
  child.kill('SIGTERM');
  t.equal((await child).exitCode, 0);
  const noNode = await execa(process.execPath, [CLI, 'agent', '--kubeconfig', srv.kubeconfigPath], { reject: false, env: cleanEnv(), extendEnv: false, timeout: 60_000 });
  t.equal(noNode.exitCode, 2);
  t.match(noNode.stderr, /node name is unknown\. Try: pass --node-name, or set NODE_NAME/);
});
