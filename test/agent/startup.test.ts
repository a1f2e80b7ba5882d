// Start-up failures of `nsinspect agent`: one line on stderr, exit 1, nothing left listening; never half-started.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { NsinspectError } from '../../agent/model/errors.js';
import { runAgent } from '../../agent/server/run.js';
import { apiServerFor, NODE } from '../helpers/cluster.js';
import { CLI, freePort } from '../helpers/agent-process.js';

const cleanEnv = (): Record<string, string> => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: mkdtempSync(join(tmpdir(), 'nsi-home-')) });
const agent = (args: string[], env = cleanEnv()) => execa(process.execPath, [CLI, 'agent', ...args], { reject: false, env, extendEnv: false, timeout: 60_000 });

/** A port this test holds, as another process would. */
async function busyPort(t: Test): Promise<number> {
  const s: Server = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => s.close(() => r())));
  return (s.address() as { port: number }).port;
}

/** True when something accepts connections on the port. */
const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });

const lines = (s: string): string[] => s.split('\n').filter(Boolean);

t.test('a busy --listen port: one line naming the address, exit 1', async (t) => {
  const busy = await busyPort(t);
  const r = await agent(['--auth', 'none', '--listen', `127.0.0.1:${busy}`, '--metrics-listen', 'off']);
  t.equal(r.exitCode, 1);
  t.equal(r.signal, undefined, 'exited, not killed');
  t.same(lines(r.stderr).length, 1, `one line: ${r.stderr}`);
  t.match(r.stderr, new RegExp(`^nsinspect: cannot listen on 127\\.0\\.0\\.1:${busy} \\(--listen\\): the address is in use\\. Try: .*--listen`));
  t.notMatch(r.stderr, /internal error|please report|at .*\.js:\d+/i, 'no "internal error", no stack');
});

t.test('a busy --metrics-listen port after the API listened: the API listener is closed and the process exits 1', async (t) => {
  const srv = await apiServerFor(t);
  const busy = await busyPort(t);
  const api = await freePort();
  // With a real Kubernetes client loaded too: nothing it holds may keep the process alive.
  const r = await agent(['--kubeconfig', srv.kubeconfigPath, '--node-name', NODE, '--listen', `127.0.0.1:${api}`, '--metrics-listen', `127.0.0.1:${busy}`]);
  t.equal(r.exitCode, 1);
  t.same(lines(r.stderr).length, 1, `one line: ${r.stderr}`);
  t.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${busy} \\(--metrics-listen\\): the address is in use\\. Try: .*--metrics-listen`));
  t.equal(await listening(api), false, 'nothing listens on the API port');
  t.equal(srv.watchesStarted(), 0, 'the pod watch never started');
});

t.test('runAgent closes the listener it opened before it throws', async (t) => {
  const busy = await busyPort(t);
  const api = await freePort();
  // runAgent logs to fd 1, the TAP stream here: keep it quiet.
  const level = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = 'silent';
  t.teardown(() => {
    if (level === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = level;
  });
  const err = await runAgent({ listen: `127.0.0.1:${api}`, metricsListen: `127.0.0.1:${busy}`, auth: 'none', metricsContainerInodes: false, nodeScanIntervalMs: 60_000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof NsinspectError, 'an NsinspectError');
  t.equal((err as NsinspectError).code, 'UNAVAILABLE');
  t.equal(await listening(api), false, 'the API listener is closed');
});

t.test('--auth kubernetes without any Kubernetes config: refused with one line, exit 1', async (t) => {
  const r = await agent(['--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0']);
  t.equal(r.exitCode, 1);
  t.same(lines(r.stderr).length, 1, `one line: ${r.stderr}`);
  t.match(r.stderr, /^nsinspect: --auth kubernetes needs a Kubernetes configuration to verify tokens, and none was found .*\. Try: .*--kubeconfig/);
  t.equal(r.stdout, '', 'it never got as far as logging');
  const m = await agent(['--auth', 'none', '--metrics-auth', 'kubernetes', '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0']);
  t.equal(m.exitCode, 1, '--metrics-auth kubernetes too');
  t.match(m.stderr, /^nsinspect: --metrics-auth kubernetes needs a Kubernetes configuration/);
  const env = { ...cleanEnv(), NSINSPECT_METRICS_AUTH: 'kubernetes' };
  t.equal((await agent(['--auth', 'none', '--listen', '127.0.0.1:0', '--metrics-listen', 'off'], env)).exitCode, 1, 'and its env twin');
});

t.test('a kubeconfig that cannot be read: one line naming the file and why, never an internal error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nsi-kubeconfig-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const broken = join(dir, 'config');
  writeFileSync(broken, 'apiVersion: v1\nkind: Config\ncurrent-context: nowhere\n');
  const withCa = join(dir, 'with-ca');
  writeFileSync(withCa, JSON.stringify({
    'current-context': 'c', contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
    clusters: [{ name: 'k', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority': 'missing-ca.crt' } }], users: [{ name: 'u', user: { token: 't' } }],
  }));
  const cases: Array<[string, string[], Record<string, string>, number, RegExp]> = [
    ['a missing --kubeconfig (exit 2: the flag is wrong)', ['--kubeconfig', join(dir, 'missing')], cleanEnv(), 2, /^nsinspect: reading the kubeconfig \S+missing \(from --kubeconfig or NSINSPECT_KUBECONFIG\): no such file\. Try: point --kubeconfig/],
    ['a kubeconfig naming a CA file that is not there', ['--kubeconfig', withCa], cleanEnv(), 2, /^nsinspect: reading the kubeconfig \S+with-ca \(from [^)]+\): \S+\/missing-ca\.crt, which it names: no such file\. Try: /],
    ['a directory', ['--kubeconfig', dir], cleanEnv(), 2, /: it is a directory\. Try: /],
    ['KUBECONFIG naming a file with no server for its context (exit 1)', [], { ...cleanEnv(), KUBECONFIG: broken }, 1, /^nsinspect: reading the kubeconfig \S+config \(from KUBECONFIG\): .*no server for the current context/],
  ];
  for (const [what, flags, env, code, message] of cases) {
    const r = await agent(['--auth', 'none', '--listen', '127.0.0.1:0', '--metrics-listen', 'off', '--node-name', 'n1', ...flags], env);
    t.equal(r.exitCode, code, `${what}: exit ${code}`);
    t.equal(lines(r.stderr).length, 1, `${what}: one line: ${r.stderr}`);
    t.match(r.stderr, message, what);
    t.notMatch(r.stderr, /internal error/, `${what}: not reported as a bug`);
  }
});

t.test('a bad --metrics-cache is a usage error', async (t) => {
  const r = await agent(['--auth', 'none', '--listen', '127.0.0.1:0', '--metrics-cache', 'soon']);
  t.equal(r.exitCode, 2);
  t.match(r.stderr, /invalid --metrics-cache "soon"/);
});
