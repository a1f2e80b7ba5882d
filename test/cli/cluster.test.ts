// The cluster CLI against the fake API server and an agent backed by real runc containers.
import t from 'tap';
import { join } from 'node:path';
import { execa } from 'execa';
import { labFor } from '../helpers/lab.js';
import { agentFor, apiServerFor, demoPodJson, portForwardClusterFor } from '../helpers/cluster.js';
import { startDemoPod } from '../../lab/pod.js';
import { makePod } from '../fake-apiserver/index.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;

/** Replaces what changes from run to run (inodes, PIDs, IDs, UIDs, times) so outputs can be snapshotted. */
export function normalize(s: string): string {
  return s
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<uid>')
    .replace(/\b[0-9a-f]{64}\b/g, '<id>')
    .replace(/\b[0-9a-f]{12}\b/g, '<id12>')
    .replace(/\b40265\d{5}\b/g, '<ino>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/\b\d\d:\d\d:\d\d\b/g, '<hh:mm:ss>')
    .replace(/\/proc\/\d+\/root/g, '/proc/<pid>/root')
    .replace(/"pid": ?\d+/g, '"pid":<pid>')
    .replace(/pid \d+/g, 'pid <pid>')
    .replace(/(?<=\s)\d{3,7}(?=\s)/g, '<n>')
    .replace(/ {2,}/g, '  ');
}

t.test('diff, ns, ps, whois and ephemeral through an agent', async (t) => {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const srv = await apiServerFor(t);
  srv.pods.add(demoPodJson(pod));
  const agent = await agentFor(t, srv);
  const url = await agent.app.listen({ host: '127.0.0.1', port: 0 });
  const kubeconfig = join(srv.dir, 'user.kubeconfig');
  srv.writeKubeconfig(kubeconfig, { token: 'debugger-token', namespace: 'shop' });
  const run = (args: string[]) => execa(process.execPath, [CLI, ...args, '--kubeconfig', kubeconfig, '--agent', url], { reject: false });

  const diff = await run(['diff', 'web', 'debugger']);
  t.equal(diff.exitCode, 0, diff.stderr);
  t.matchSnapshot(normalize(diff.stdout), 'diff table');
  t.ok(diff.stdout.split('\n').every((l) => l.length <= 80 || l.startsWith('* ') || l.startsWith('target:') || l.startsWith('debugger:')), 'the table fits 80 columns');

  const json = await run(['diff', 'pod/web', 'debugger', '-o', 'json']);
  t.matchSnapshot(normalize(json.stdout), 'diff json');

  t.equal((await run(['diff', 'web', 'debugger', '--expect-shared', 'pid,net'])).exitCode, 0, 'expectation met: exit 0');
  const unmet = await run(['diff', 'web', 'debugger-notarget', '--expect-shared', 'pid,net']);
  t.equal(unmet.exitCode, 3, 'expectation not met: exit 3');
  t.match(unmet.stderr, 'expected pid, net to be shared, but pid is not');

  const ns = await run(['ns', 'web']);
  t.equal(ns.exitCode, 0, ns.stderr);
  t.matchSnapshot(normalize(ns.stdout), 'ns table');
  t.ok(ns.stdout.split('\n').every((l) => l.length <= 80), 'ns fits 80 columns');

  const ps = await run(['ps', 'web']);
  t.equal(ps.exitCode, 0);
  t.match(ps.stderr, 'Defaulted container "app" out of: app, debugger (ephem), debugger-notarget (ephem)');
  t.equal(ps.stdout.trim().split('\n').length, 5, 'header and four processes');

  const who = await run(['whois', String(pod.debugger.pid), '--node', 'node-a', '--token', 'admin-token', '-o', 'json']);
  t.equal(who.exitCode, 0, who.stderr);
  t.match(JSON.parse(who.stdout), { pid: pod.debugger.pid, containerID: pod.debugger.id, podNamespace: 'shop', podName: 'web', containerName: 'debugger' });

  const eph = await execa(process.execPath, [CLI, 'ephemeral', '-o', 'json', '--kubeconfig', kubeconfig], { reject: false });
  t.same(JSON.parse(eph.stdout).items.map((r: { name: string; target: string | null }) => [r.name, r.target]), [['debugger', 'app'], ['debugger-notarget', null]]);
  const ephT = await execa(process.execPath, [CLI, 'ephemeral', '-A', '--kubeconfig', kubeconfig], { reject: false });
  t.match(ephT.stdout, /^NAMESPACE\s+POD\s+NAME\s+TARGET\s+STATE\s+AGE$/m);
  t.match(ephT.stdout, /^shop\s+web\s+debugger\s+app\s+running\s/m);
});

t.test('the whole path: CLI -> API server port-forward -> agent -> real containers', async (t) => {
  const { srv, kubeconfig } = await portForwardClusterFor(t);

  const r = await execa(process.execPath, [CLI, 'diff', 'web', 'debugger', '--kubeconfig', kubeconfig, '--expect-shared', 'pid,net,ipc,uts'], { reject: false });
  t.equal(r.exitCode, 0, r.stderr);
  t.match(r.stdout, /^pid\s+(\d+)\s+\1\s+yes\s+target$/m);
  t.match(r.stdout, 'debugger shares app\'s pid namespace');
  const sessions = srv.portForward.log.filter((l) => l.namespace === 'nsinspect-system' && l.pod === 'nsinspect-x7k2p');
  t.ok(sessions.length >= 1, 'went through pods/portforward');
  t.ok(sessions.every((l) => l.ports.includes(9742)));
  await srv.portForward.waitForOpen(0, 5000);
  t.equal(srv.portForward.open(), 0, 'no tunnel left open');

  // An agent pod that is not there, and one on another node.
  srv.pods.delete('nsinspect-system', 'nsinspect-x7k2p');
  const gone = await execa(process.execPath, [CLI, 'ns', 'web', '--kubeconfig', kubeconfig], { reject: false });
  t.equal(gone.exitCode, 1);
  t.match(gone.stderr, /no nsinspect agent on node node-a\. Try: is it deployed\?/);
});

t.test('every error says what to do next', async (t) => {
  const srv = await apiServerFor(t);
  srv.pods.add(makePod({ name: 'pending', namespace: 'shop', phase: 'Pending' }));
  srv.pods.add(makePod({ name: 'lonely', namespace: 'shop', nodeName: 'node-z' }));
  const agent = await agentFor(t, srv);
  const url = await agent.app.listen({ host: '127.0.0.1', port: 0 });
  const kc = (token: string) => {
    const p = join(srv.dir, `${token}.kubeconfig`);
    srv.writeKubeconfig(p, { token, namespace: 'shop' });
    return p;
  };
  const run = (args: string[], token = 'debugger-token') => execa(process.execPath, [CLI, ...args, '--kubeconfig', kc(token)], { reject: false });
  const cases: Array<[string, string[], string | undefined, number, RegExp]> = [
    ['no such pod', ['diff', 'nope', 'debugger'], undefined, 1, /reading pod shop\/nope: pods "nope" not found\. Try: kubectl get pods -n shop/],
    ['not scheduled', ['ns', 'pending'], undefined, 1, /pod shop\/pending is not scheduled on a node yet\. Try: wait for it/],
    ['no agent on the node', ['ns', 'lonely'], undefined, 1, /no nsinspect agent on node node-z\. Try: is it deployed\?/],
    ['bad pod name', ['diff', 'Bad_Name', 'x'], undefined, 2, /invalid pod name "Bad_Name"/],
    ['bad container name', ['diff', 'web', 'X'], undefined, 2, /invalid container name "X"/],
    ['bad namespace type', ['diff', 'web', 'x', '--expect-shared', 'pidd'], undefined, 2, /unknown namespace type "pidd"/],
  ];
  for (const [name, args, token, code, re] of cases) {
    const r = await run(args, token);
    t.equal(r.exitCode, code, name);
    t.match(r.stderr, re, name);
    t.equal(r.stderr.trim().split('\n').length, 1, `${name}: one line`);
  }
  // The agent's 403 names the permission; the CLI adds what to ask for.
  srv.pods.add(makePod({ name: 'web', namespace: 'shop', nodeName: 'node-a' }));
  await new Promise((r) => setTimeout(r, 300));
  const denied = await execa(process.execPath, [CLI, 'ps', 'web', '--kubeconfig', kc('viewer-token'), '--agent', url], { reject: false });
  t.equal(denied.exitCode, 1);
  t.match(denied.stderr, /agent on node node-a: user "viewer" cannot create pods\/exec in namespace "shop" \(name "web"\).*Try: ask your cluster admin to bind nsinspect-viewer or nsinspect-debugger/);
  const notRunning = await execa(process.execPath, [CLI, 'diff', 'web', 'app', '--target', 'app', '--kubeconfig', kc('debugger-token'), '--agent', url], { reject: false });
  t.equal(notRunning.exitCode, 1);
  t.match(notRunning.stderr, /container app of pod shop\/web is running per the API, but not on this node\. Try: it may have just restarted/);
});
