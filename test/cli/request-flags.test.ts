// kubectl's request flags through the built CLI against the fake API server: --request-timeout and --as/--as-group, on both API clients.
import t from 'tap';
import { createServer, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { makePod, startFakeApiServer, type FakeApiServer } from '../fake-apiserver/index.js';
import { agentPodJson } from '../helpers/cluster.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', NODE_OPTIONS: '' };

async function setup(t: { teardown(fn: () => unknown): void }) {
  const srv = await startFakeApiServer({ enforceRbac: true });
  t.teardown(() => srv.close());
  srv.auth.addUser('alice-token', { username: 'alice', groups: ['system:authenticated'] });
  srv.auth.allow({ user: 'alice', verb: ['get', 'list'], resource: 'pods' });
  srv.pods.add(makePod({ name: 'web', namespace: 'shop', nodeName: 'node-a', ephemeralContainers: [{ name: 'dbg', targetContainerName: 'app' }] }));
  const kubeconfig = join(srv.dir, 'alice.kubeconfig');
  srv.writeKubeconfig(kubeconfig, { token: 'alice-token', namespace: 'shop' });
  const run = (args: string[], kc = kubeconfig) => execa(process.execPath, [CLI, ...args, '--kubeconfig', kc], { reject: false, env, extendEnv: false });
  return { srv, kubeconfig, run };
}

/** The same user through client-node: tls-server-name is a field the small reader leaves to it. */
function clientNodeKubeconfig(srv: FakeApiServer): string {
  const path = join(srv.dir, 'client-node.kubeconfig');
  writeFileSync(path, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'cn',
    clusters: [{ name: 'cn', cluster: { server: srv.url, 'certificate-authority-data': Buffer.from(srv.caPem).toString('base64'), 'tls-server-name': 'localhost' } }],
    users: [{ name: 'cn', user: { token: 'alice-token' } }],
    contexts: [{ name: 'cn', context: { cluster: 'cn', user: 'cn', namespace: 'shop' } }],
  }));
  return path;
}

const lines = (stderr: string): number => stderr.trim().split('\n').length;

t.test('--request-timeout cuts off a slow API server with one clear line, on both clients', async (t) => {
  const { srv, kubeconfig, run } = await setup(t);
  srv.setLatency(4000);
  for (const [client, kc] of [['small client', kubeconfig], ['client-node', clientNodeKubeconfig(srv)]] as const) {
    const r = await run(['ephemeral', '--request-timeout', '300ms'], kc);
    t.equal(r.exitCode, 1, `${client}: exit 1`);
    t.match(r.stderr, /^nsinspect: listing pods: no answer from the API server at https:\/\/127\.0\.0\.1:\d+ within 300ms \(--request-timeout\)\. Try: raise --request-timeout/, `${client}: says which flag fired`);
    t.equal(lines(r.stderr), 1, `${client}: one line`);
  }
  srv.setLatency(200);
  const ok = await run(['ephemeral', '--request-timeout', '0', '-o', 'name']);
  t.equal(ok.exitCode, 0, `0 means no timeout: ${ok.stderr}`);
  t.equal(ok.stdout, 'web dbg');
});

t.test('a bad --request-timeout is a usage error', async (t) => {
  const { run } = await setup(t);
  for (const bad of ['5x', '-1s', '1.5', '']) {
    const r = await run(['ephemeral', `--request-timeout=${bad}`]);
    t.equal(r.exitCode, 2, `${JSON.stringify(bad)}: exit 2`);
    t.match(r.stderr, /invalid timeout .*want whole seconds, or a number with a unit/, `${JSON.stringify(bad)}: says what is wanted`);
  }
});

t.test('--request-timeout bounds the agent calls too', async (t) => {
  const { run } = await setup(t);
  // An "agent" that accepts and never answers.
  const held = new Set<Socket>();
  const silent = createServer((s) => void held.add(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of held) s.destroy();
    silent.close();
  });
  const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  const r = await run(['ns', 'web', '--agent', url, '--request-timeout', '1s']);
  t.equal(r.exitCode, 1);
  t.match(r.stderr, /nsinspect: cannot reach the nsinspect agent on node node-a: no answer from the agent within 1s \(--request-timeout\)\. Try: raise --request-timeout/);
  t.equal(r.stderr.trim().split('\n').filter((l) => !l.includes('(--agent)')).length, 1, 'one line besides the --agent notice');
});

t.test('--as and --as-group impersonate on every API request, on both clients', async (t) => {
  const { srv, kubeconfig, run } = await setup(t);
  const cn = clientNodeKubeconfig(srv);
  for (const [client, kc] of [['small client', kubeconfig], ['client-node', cn]] as const) {
    const denied = await run(['ephemeral', '--as', 'bob'], kc);
    t.equal(denied.exitCode, 1, `${client}: no impersonate permission: exit 1`);
    t.match(denied.stderr, /^nsinspect: listing pods: users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope\. Try: /, `${client}: the API server's reason`);
    t.equal(lines(denied.stderr), 1, `${client}: one line`);
  }
  srv.auth.allow({ user: 'alice', verb: 'impersonate', resource: 'users', name: 'bob' });
  srv.auth.allow({ user: 'alice', verb: 'impersonate', resource: 'groups' });
  srv.auth.allow({ group: 'viewers', verb: 'list', resource: 'pods', namespace: 'shop' });
  for (const [client, kc] of [['small client', kubeconfig], ['client-node', cn]] as const) {
    const asBob = await run(['ephemeral', '--as', 'bob'], kc);
    t.equal(asBob.exitCode, 1, `${client}: bob himself may not list pods`);
    t.match(asBob.stderr, 'User "bob" cannot list resource "pods"');
    srv.clearRequests();
    const r = await run(['ephemeral', '--as', 'bob', '--as-group', 'viewers', '--as-group', 'oncall', '-o', 'name'], kc);
    t.equal(r.exitCode, 0, `${client}: allowed through the group: ${r.stderr}`);
    t.equal(r.stdout, 'web dbg');
    t.match(srv.requests.find((e) => e.path === '/api/v1/namespaces/shop/pods'), { user: 'alice', impersonatedUser: 'bob', impersonatedGroups: ['viewers', 'oncall', 'system:authenticated'] }, `${client}: one header line per group`);
  }
  srv.clearRequests();
  const lone = await run(['ephemeral', '--as-group', 'viewers']);
  t.equal(lone.exitCode, 2, '--as-group alone: usage error');
  t.match(lone.stderr, /^nsinspect: --as-group viewers needs --as: .*Try: add --as USER/);
  t.equal(srv.requests.length, 0, 'refused before any request');
});

t.test('--as reaches the port-forward upgrade too, one Impersonate-Group line per group', async (t) => {
  const { srv, run } = await setup(t);
  srv.pods.add(agentPodJson('nsinspect-x7k2p'));
  const held = new Set<Socket>();
  const silent = createServer((s) => void held.add(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of held) s.destroy();
    silent.close();
  });
  srv.portForward.set('nsinspect-system', 'nsinspect-x7k2p', 9742, { port: (silent.address() as { port: number }).port });
  srv.auth.allow({ user: 'alice', verb: 'impersonate', resource: 'users', name: 'bob' });
  srv.auth.allow({ user: 'alice', verb: 'impersonate', resource: 'groups' });
  srv.auth.allow({ group: 'viewers', verb: ['get', 'list'], resource: 'pods' });
  srv.auth.allow({ group: 'viewers', verb: 'create', resource: 'pods/portforward', namespace: 'nsinspect-system' });
  const r = await run(['ns', 'web', '--as', 'bob', '--as-group', 'viewers', '--as-group', 'oncall', '--request-timeout', '1s']);
  t.equal(r.exitCode, 1, 'the silent "agent" never answers');
  t.match(r.stderr, /--as applies to the API server; the agent on node node-a checks your own token's permissions/, 'says the agent is not impersonated');
  const upgrade = srv.requests.find((e) => e.path.endsWith('/portforward'));
  t.match(upgrade, { user: 'alice', impersonatedUser: 'bob', impersonatedGroups: ['viewers', 'oncall', 'system:authenticated'], status: 101 });
});
