// Whom the CLI hands a token to: no plain http off loopback, a notice for --agent, only DaemonSet-controlled agent pods; tokens from a file or NSINSPECT_TOKEN.
import t, { type Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { agentFor, agentPodJson, apiServerFor } from '../helpers/cluster.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', NODE_OPTIONS: '' };

async function setup(t: Test) {
  const srv = await apiServerFor(t);
  const agent = await agentFor(t, srv, { wait: false });
  const url = await agent.app.listen({ host: '127.0.0.1', port: 0 });
  const kubeconfig = join(srv.dir, 'user.kubeconfig');
  srv.writeKubeconfig(kubeconfig, { token: 'debugger-token', namespace: 'shop' });
  const run = (args: string[], extra: Record<string, string> = {}) =>
    execa(process.execPath, [CLI, ...args, '--kubeconfig', kubeconfig], { reject: false, env: { ...env, ...extra }, extendEnv: false });
  return { srv, agent, url, kubeconfig, run };
}

t.test('--agent: plain http only on loopback, and a notice that the token goes there', async (t) => {
  const { srv, url, run } = await setup(t);
  const byUser = () => srv.requests.filter((r) => r.user === 'dev').length;
  for (const bad of ['http://10.1.2.3:9742', 'http://agent.example.com', 'http://[fe80::1]:9742', 'http://127.0.0.1.nip.io:9742', 'http://evil.localhost:9742']) {
    const r = await run(['diff', 'web', 'debugger', '--agent', bad, '--token', 'admin-token']);
    t.equal(r.exitCode, 2, `${bad}: usage error`);
    t.match(r.stderr, /^nsinspect: refusing to send your token over plain http to \S+\. Try: use an https:\/\/ URL, or forward the agent to loopback/, bad);
    t.equal(r.stderr.trim().split('\n').length, 1, `${bad}: one line`);
    t.notMatch(r.stderr, /admin-token/, 'the token is never echoed');
  }
  t.equal(byUser(), 0, 'refused before any request to the API server');
  const ftp = await run(['whois', '1', '--node', 'node-a', '--agent', 'ftp://127.0.0.1/']);
  t.equal(ftp.exitCode, 2);
  t.match(ftp.stderr, /is not http or https/);

  const ok = await run(['whois', String(process.pid), '--node', 'node-a', '--agent', url, '--token', 'admin-token', '-o', 'json']);
  t.equal(ok.exitCode, 0, ok.stderr);
  t.equal(ok.stderr, `nsinspect: sending your bearer token to the agent at ${new URL(url).origin} (--agent)`, 'one notice line on stderr');
  t.equal(JSON.parse(ok.stdout).pid, process.pid);
  const localhost = await run(['whois', String(process.pid), '--node', 'node-a', '--agent', url.replace('127.0.0.1', 'localhost'), '--token', 'admin-token', '-o', 'json']);
  t.equal(localhost.exitCode, 0, `localhost is loopback too: ${localhost.stderr}`);
});

t.test('the token: --token, then --token-file, then NSINSPECT_TOKEN, then the kubeconfig', async (t) => {
  const { srv, url, run } = await setup(t);
  const file = join(srv.dir, 'admin.token');
  writeFileSync(file, 'admin-token\n', { mode: 0o600 });
  const debuggerFile = join(srv.dir, 'debugger.token');
  writeFileSync(debuggerFile, 'debugger-token');
  const whois = (extra: string[], e: Record<string, string> = {}) => run(['whois', String(process.pid), '--node', 'node-a', '--agent', url, ...extra], e);

  const kube = await whois([]);
  t.equal(kube.exitCode, 1, 'the kubeconfig user (a debugger) may not whois on a node');
  t.match(kube.stderr, /cannot get nodes\/proxy/);
  t.equal((await whois(['--token-file', file])).exitCode, 0, '--token-file (the newline trimmed)');
  t.equal((await whois([], { NSINSPECT_TOKEN: 'admin-token' })).exitCode, 0, 'NSINSPECT_TOKEN over the kubeconfig');
  t.equal((await whois(['--token-file', debuggerFile], { NSINSPECT_TOKEN: 'admin-token' })).exitCode, 1, '--token-file over NSINSPECT_TOKEN');
  t.equal((await whois(['--token', 'debugger-token'], { NSINSPECT_TOKEN: 'admin-token' })).exitCode, 1, '--token over NSINSPECT_TOKEN');

  const both = await whois(['--token', 'admin-token', '--token-file', file]);
  t.equal(both.exitCode, 2);
  t.match(both.stderr, 'pass --token or --token-file, not both');
  const missing = await whois(['--token-file', join(srv.dir, 'nope')]);
  t.equal(missing.exitCode, 1);
  t.match(missing.stderr, /^nsinspect: reading the token file ".*nope": ENOENT.*\. Try: write it with kubectl create token/);
  writeFileSync(file, '\n');
  const empty = await whois(['--token-file', file]);
  t.equal(empty.exitCode, 2);
  t.match(empty.stderr, /the token from --token-file .* is empty/);
  const twoLines = await whois([], { NSINSPECT_TOKEN: 'admin-token\nX-Evil: 1' });
  t.equal(twoLines.exitCode, 2);
  t.match(twoLines.stderr, /the token from NSINSPECT_TOKEN is not one line of printable ASCII/);
  t.notMatch(twoLines.stderr, /admin-token/, 'the token is never echoed');
});

t.test('port-forward only to an agent pod controlled by the nsinspect DaemonSet', async (t) => {
  const { srv, url, run } = await setup(t);
  const port = Number(new URL(url).port);
  const put = (owner: NonNullable<Parameters<typeof agentPodJson>[1]>['owner']) => {
    if (srv.pods.get('nsinspect-system', 'nsinspect-x7k2p')) srv.pods.delete('nsinspect-system', 'nsinspect-x7k2p');
    srv.pods.add(agentPodJson('nsinspect-x7k2p', { owner }));
    srv.portForward.set('nsinspect-system', 'nsinspect-x7k2p', 9742, { port });
  };
  const forwards = () => srv.portForward.log.filter((l) => l.pod === 'nsinspect-x7k2p').length;
  const admin = (extra: string[] = []) => run(['whois', String(process.pid), '--node', 'node-a', ...extra], { NSINSPECT_TOKEN: 'admin-token' });

  put(undefined);
  const good = await admin(['-o', 'json']);
  t.equal(good.exitCode, 0, good.stderr);
  t.equal(good.stderr, '', 'no notice: discovery found the agent');
  t.equal(forwards(), 1, 'went through the port-forward');

  const impostors: Array<[string, NonNullable<Parameters<typeof agentPodJson>[1]>['owner']]> = [
    ['no owner', null],
    ['a ReplicaSet', { kind: 'ReplicaSet', name: 'nsinspect-agent', controller: true }],
    ['another DaemonSet', { kind: 'DaemonSet', name: 'evil', controller: true }],
    ['an owner that is not the controller', { kind: 'DaemonSet', name: 'nsinspect-agent', controller: false }],
  ];
  for (const [name, owner] of impostors) {
    put(owner);
    const r = await admin();
    t.equal(r.exitCode, 1, name);
    t.match(r.stderr, /^nsinspect: refusing to send your token to pod nsinspect-system\/nsinspect-x7k2p on node node-a: it is labelled like the nsinspect agent but not controlled by DaemonSet nsinspect-system\/nsinspect-agent\. Try: /, name);
    t.equal(r.stderr.trim().split('\n').length, 1, `${name}: one line`);
    t.equal(forwards(), 1, `${name}: no port-forward opened`);
  }
  // A DaemonSet of another name, when the user says so.
  put({ kind: 'DaemonSet', name: 'evil', controller: true });
  const named = await admin(['--agent-daemonset', 'evil', '-o', 'json']);
  t.equal(named.exitCode, 0, named.stderr);
  t.equal(forwards(), 2);
});
