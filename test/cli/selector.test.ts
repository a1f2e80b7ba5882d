// -l/--selector as kubectl users expect it: ephemeral and ns list the pods the API server selects (labelSelector), through the built CLI.
import t from 'tap';
import { join } from 'node:path';
import { execa } from 'execa';
import { agentFor, apiServerFor, demoPodJson } from '../helpers/cluster.js';
import { labFor } from '../helpers/lab.js';
import { startDemoPod } from '../../lab/pod.js';
import { makePod } from '../fake-apiserver/index.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;

t.test('ephemeral -l: only the selected pods, the selector sent as labelSelector', async (t) => {
  const srv = await apiServerFor(t);
  srv.pods.add(makePod({ name: 'web-1', namespace: 'shop', nodeName: 'node-a', labels: { app: 'web', tier: 'front' }, ephemeralContainers: [{ name: 'dbg1', targetContainerName: 'app' }] }));
  srv.pods.add(makePod({ name: 'web-2', namespace: 'shop', nodeName: 'node-a', labels: { app: 'web', tier: 'canary' }, ephemeralContainers: [{ name: 'dbg2' }] }));
  srv.pods.add(makePod({ name: 'db', namespace: 'shop', nodeName: 'node-a', labels: { app: 'db' }, ephemeralContainers: [{ name: 'dbg3' }] }));
  srv.pods.add(makePod({ name: 'web-9', namespace: 'other', nodeName: 'node-a', labels: { app: 'web' }, ephemeralContainers: [{ name: 'dbg4' }] }));
  srv.auth.allow({ user: 'viewer', verb: 'list', resource: 'pods' });
  const kubeconfig = join(srv.dir, 'viewer.kubeconfig');
  srv.writeKubeconfig(kubeconfig, { token: 'viewer-token', namespace: 'shop' });
  const run = (args: string[]) => execa(process.execPath, [CLI, ...args, '--kubeconfig', kubeconfig], { reject: false });

  const cases: Array<[string[], string]> = [
    [['-l', 'app=web'], 'web-1 dbg1\nweb-2 dbg2'],
    [['--selector', 'app=web,tier!=canary'], 'web-1 dbg1'],
    [['-l', 'tier in (front,canary)'], 'web-1 dbg1\nweb-2 dbg2'],
    [['-l', '!tier'], 'db dbg3'],
    [['-l', 'app=web', '-A'], 'web-9 dbg4\nweb-1 dbg1\nweb-2 dbg2'],
  ];
  for (const [args, want] of cases) {
    srv.clearRequests();
    const r = await run(['ephemeral', '-o', 'name', ...args]);
    t.equal(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`);
    t.same(r.stdout.trim().split('\n').sort(), want.split('\n').sort(), args.join(' '));
    const sent = srv.requests.find((e) => e.path.endsWith('/pods'));
    t.equal(new URLSearchParams(sent?.query).get('labelSelector'), args[1], `${args.join(' ')}: passed to the API server as is`);
  }

  const bad = await run(['ephemeral', '-l', 'app in (web']);
  t.equal(bad.exitCode, 2, 'a selector the API server cannot parse: usage error');
  t.match(bad.stderr, /^nsinspect: listing pods with -l "app in \(web": .*Try: kubectl's selector syntax/);
  const both = await run(['ephemeral', 'web-1', '-l', 'app=web']);
  t.equal(both.exitCode, 2);
  t.match(both.stderr, /a pod name cannot be given with -l/);
  const local = await run(['ns', '-l', 'app=web', '--local']);
  t.equal(local.exitCode, 2, 'ns -l --local: usage error, not a silent API call');
  t.match(local.stderr, /-l selects pods through the API server; --local reads only the runtime's records/);
});

t.test('ns -l: each selected pod through its node\'s agent; unscheduled ones said and left out', async (t) => {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const srv = await apiServerFor(t);
  const web = demoPodJson(pod);
  web.metadata.labels = { app: 'web' };
  srv.pods.add(web);
  srv.pods.add(makePod({ name: 'web-pending', namespace: 'shop', phase: 'Pending', labels: { app: 'web' } }));
  srv.pods.add(makePod({ name: 'db', namespace: 'shop', nodeName: 'node-z', labels: { app: 'db' } }));
  srv.auth.allow({ group: 'debuggers', verb: 'list', resource: 'pods' });
  const agent = await agentFor(t, srv);
  const url = await agent.app.listen({ host: '127.0.0.1', port: 0 });
  const kubeconfig = join(srv.dir, 'user.kubeconfig');
  srv.writeKubeconfig(kubeconfig, { token: 'debugger-token', namespace: 'shop' });
  const run = (args: string[]) => execa(process.execPath, [CLI, ...args, '--kubeconfig', kubeconfig, '--agent', url], { reject: false });

  const r = await run(['ns', '-l', 'app=web']);
  t.equal(r.exitCode, 0, r.stderr);
  t.match(r.stdout, /^pod shop\/web {2}uid /m, 'the scheduled pod, by its agent');
  t.notMatch(r.stdout, /web-pending|shop\/db/, 'nothing else');
  t.match(r.stderr, 'pod shop/web-pending is not scheduled on a node yet: left out');
  const json = JSON.parse((await run(['ns', '-l', 'app=web', '-o', 'json'])).stdout) as { items: Array<{ name: string; containers: unknown[] }> };
  t.same(json.items.map((p) => p.name), ['web']);
  t.equal((await run(['ns', '-l', 'app=web', '-o', 'name'])).stdout, 'pod/web');

  const none = await run(['ns', '-l', 'app=nothing']);
  t.equal(none.exitCode, 0);
  t.equal(none.stdout, '');
  t.match(none.stderr, 'No resources found in shop namespace.');
  const both = await run(['ns', 'web', '-l', 'app=web']);
  t.equal(both.exitCode, 2);
  t.match(both.stderr, /a pod name cannot be given with -l/);
  const neither = await run(['ns']);
  t.equal(neither.exitCode, 2);
  t.match(neither.stderr, /ns needs a ref, or -l SELECTOR/);
  t.equal((await run(['ns', '-l', 'app=web', '-A'])).exitCode, 0, '-A means something with -l');
  t.equal((await run(['ns', 'web', '-A'])).exitCode, 2, 'and nothing without it');
});
