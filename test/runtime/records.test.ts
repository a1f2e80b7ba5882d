// The runtime's records of real containerd CRI pods: what CRI was asked is what nsinspect reads, and the
// namespace paths the runtime was told to join are the namespaces the kernel shows (stat(2)).
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { Engine } from '../../agent/inspect/engine.js';
import { readRecord, taskDirs } from '../../agent/discovery/records.js';
import { criFor } from '../helpers/cri.js';
import { BUSYBOX_IMAGE } from '../../lab/cri/images.js';
import { statNamespaces, waitFor } from '../helpers/lab.js';
import { diffJSON, lsnsJSON, nsListJSON, psJSON } from '../../agent/protocol/answers.js';
import { must } from '../helpers/must.js';

// Node-local pod refs are by name across the node: a name of this run's own, so another run's (or
// make demo's) shop/web never makes ours ambiguous.
const NS = `shop-${randomBytes(3).toString('hex')}`;
const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const cri = await criFor(t);
const dir = cri.containerd.dir;
// No state root configured: the bundles are found through the shims. The CRI root is the private containerd's.
const roots = { containerdState: [], containerdRoot: [join(dir, 'root')], crio: [] };

const pod = await cri.pod({ name: 'web', namespace: NS, qos: 'burstable' });
const app = await cri.container(pod, { name: 'app' });
const dbg = await cri.container(pod, { name: 'debugger', target: app });
const plain = await cri.container(pod, { name: 'plain' });

t.test('records of the sandbox, the app and a --target debugger equal what CRI was sent', async (t) => {
  const sb = readRecord(pod.id, roots, pod.pid);
  t.match(sb, { kind: 'sandbox', podName: 'web', podNamespace: NS, podUID: pod.uid, sandboxID: pod.id, runtime: 'containerd' });
  t.match(sb?.source, `${dir}/state/io.containerd.runtime.v2.task/k8s.io/${pod.id}/config.json`, 'read from the task bundle in the private state dir');
  for (const c of [app, dbg, plain]) {
    t.match(readRecord(c.id, roots, c.pid), { kind: 'container', containerName: c.name, podName: 'web', podNamespace: NS, podUID: pod.uid, sandboxID: pod.id, image: BUSYBOX_IMAGE }, c.name);
  }
  t.equal(readRecord(app.id, roots), undefined, 'without the init PID or a state root there is nothing to find');
  // ppid is the 4th field of stat, after the last ") " (comm may hold one) and the state.
  const ppid = /^.*\) \S (\d+) /s.exec(readFileSync(`/proc/${app.pid}/stat`, 'utf8'))?.[1];
  const shim = Number(must(ppid, `the ppid in /proc/${app.pid}/stat`));
  t.same(taskDirs(roots, [app.pid, dbg.pid]), [{ dir: `${dir}/state/io.containerd.runtime.v2.task/k8s.io`, via: shim }], 'one task dir, read through the pod’s shim (its parent)');
});

t.test('the namespace paths in the records are the namespaces the kernel shows', async (t) => {
  for (const c of [{ id: pod.id, pid: pod.pid, name: 'sandbox' }, app, dbg, plain]) {
    const rec = readRecord(c.id, roots, c.pid);
    const truth = statNamespaces(c.pid);
    for (const n of rec?.namespaces ?? []) {
      if (!n.path) continue;
      t.equal(statSync(n.path).ino, truth[n.type], `${c.name}: ${n.type} joined from ${n.path} is the one it has`);
    }
    const joined = Object.fromEntries((rec?.namespaces ?? []).map((n) => [n.type, n.path]));
    if (c.name === 'sandbox') t.match(joined.net, /^\/var\/run\/netns\/cni-/, 'the sandbox joins the CNI netns file');
    else t.equal(joined.net, `/proc/${pod.pid}/ns/net`, `${c.name}: net from the pause process`);
  }
  t.equal(readRecord(dbg.id, roots, dbg.pid)?.namespaces.find((n) => n.type === 'pid')?.path, `/proc/${app.pid}/ns/pid`, 'the debugger was told to join the app’s pid namespace (TARGET)');
  t.equal(readRecord(plain.id, roots, plain.pid)?.namespaces.find((n) => n.type === 'pid')?.path, undefined, 'a debugger without a target gets a new one');
});

t.test('the engine: names in the output, the sandbox from the record', async (t) => {
  const e = new Engine(roots);
  const s = e.containerSubject(dbg.id);
  t.match(nsListJSON([s]).items[0], { podNamespace: NS, podName: 'web', containerName: 'debugger', containerType: 'container', image: BUSYBOX_IMAGE });
  t.equal(e.sandboxOf(pod.uid)?.container.containerID, pod.id, 'sandboxOf: the recorded sandbox');
  t.same(e.recordedSandbox(s), statNamespaces(pod.pid), 'recordedSandbox: the pause process’s namespaces');
  t.same(e.podSubjects(NS, 'web').map((x) => x.containerID), [pod.id, app.id, dbg.id, plain.id], 'the pod’s subjects: sandbox first, then by name');
  t.equal(e.podSubject(NS, 'web', 'app').pid, app.pid);
  t.throws(() => e.podSubject(NS, 'web'), { code: 'AMBIGUOUS', message: /3 running containers/ });
  t.throws(() => e.podSubject(NS, 'web', 'nope'), { code: 'NOT_FOUND' });
  t.throws(() => e.podSubjects(NS, 'nope'), { code: 'NOT_FOUND', message: new RegExp(`no pod ${NS}/nope`) });
  const d = diffJSON(e.podDiff(NS, 'web', 'debugger'));
  t.match(d.target, { containerID: app.id, containerName: 'app' }, 'the target is the container the runtime was told to join');
  t.ok(d.shared.includes('pid'), 'pid shared with the target');
  t.match(diffJSON(e.podDiff(NS, 'web', 'plain', 'app')).target, { containerName: 'app' });
  const rows = psJSON(e.ps(e.podSubject(NS, 'web', 'app'))).processes;
  t.same(rows.map((r) => [r.pid, r.containerName, r.podName]), [[app.pid, 'app', 'web'], [dbg.pid, 'debugger', 'web']].sort((a, b) => (a[0] as number) - (b[0] as number)), 'ps rows name their containers');
  const ls = lsnsJSON(e.lsns(['pid', 'net'])).namespaces;
  t.match(ls.find((r) => r.inode === statNamespaces(pod.pid).net), { containerID: pod.id, podNamespace: NS, podName: 'web', containerName: undefined }, 'lsns: the pod’s net namespace, by pod name');
  t.match(ls.find((r) => r.inode === statNamespaces(plain.pid).pid), { containerID: plain.id, containerName: 'plain' }, 'lsns: plain’s pid namespace, by container name');
});

t.test('cost, for the note (no timed assertion)', async (t) => {
  const time = (f: () => unknown, n = 50) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    return ((performance.now() - t0) / n).toFixed(2);
  };
  t.comment(`readRecord (via the shim): ${time(() => readRecord(app.id, roots, app.pid))} ms; pod ref NS/web → 4 subjects: ${time(() => new Engine(roots).podSubjects(NS, 'web'), 20)} ms; fixture set-up ${cri.containerd.setupMs} ms`);
  const warm = new Engine(roots);
  t.comment(`whois of a container pid, warm engine: ${time(() => warm.pidSubject(app.pid), 200)} ms (its record read too)`);
  t.pass();
});

t.test('an exited container: the CRI’s status file says so, with its exit code', async (t) => {
  const id = await cri.cri.createContainer(
    pod.id,
    { metadata: { name: 'init' }, image: { image: BUSYBOX_IMAGE }, command: ['sh', '-c', 'exit 3'], linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } } },
    pod.config,
  );
  await cri.cri.startContainer(id);
  await waitFor('the container to exit', async () => ((await cri.cri.containerStatus(id)).status.state === 'CONTAINER_EXITED' ? true : undefined), 30_000);
  t.equal(readRecord(id, roots), undefined, 'its bundle is gone: the shim deleted the task');
  t.throws(() => new Engine(roots).containerSubject(id.slice(0, 12)), { code: 'NOT_RUNNING', message: new RegExp(`container ${id.slice(0, 12)} exited with code 3 at \\d{4}-`) });
  t.throws(() => new Engine({ ...roots, containerdRoot: [] }).containerSubject(id), { code: 'NOT_RUNNING', message: /exited with code 3/ }, 'with no root configured: found from the running containerd’s --config');
  t.throws(() => new Engine(roots).containerSubject('0'.repeat(12)), { code: 'NOT_FOUND', message: /no container 000000000000 on this node/ }, 'an unknown ID is still absent');
});

t.test('node-local pod refs with no kubeconfig: ns, ps, diff from the records', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'nsinspect-home-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: '/nonexistent', NODE_OPTIONS: '', NSINSPECT_CONTAINERD_ROOT: join(dir, 'root') };
  const cli = async (args: string[]) => {
    const r = await execa(process.execPath, [CLI, ...args, '-o', 'json'], { reject: false, env, extendEnv: false });
    t.equal(r.exitCode, 0, `nsinspect ${args.join(' ')}: ${r.stderr}`);
    return r.exitCode === 0 ? JSON.parse(r.stdout) : {};
  };
  for (const args of [['ns', `${NS}/web`], ['ns', 'web', '-n', NS], ['ns', 'pod/web', '-n', NS, '--local']]) {
    const items = (await cli(args)).items ?? [];
    t.same(items.map((i: any) => i.containerID), [pod.id, app.id, dbg.id, plain.id], `${args.join(' ')}: the sandbox, then the containers by name`);
    t.same(items.map((i: any) => i.containerName ?? i.containerType), ['sandbox', 'app', 'debugger', 'plain'], 'with their names');
    for (const i of items) t.same(i.namespaces, statNamespaces(i.pid), `${i.ref}: inodes from stat(2)`);
  }
  const ps = await cli(['ps', `${NS}/web`, '-c', 'app']);
  t.same(ps.processes?.map((p: any) => p.pid), [app.pid, dbg.pid].sort((a, b) => a - b), 'ps -c app: the app’s pid namespace, the --target debugger in it');
  const d = await cli(['diff', `${NS}/web`, 'debugger']);
  t.match(d, { target: { containerID: app.id, containerName: 'app', podName: 'web', podNamespace: NS }, debugger: { containerID: dbg.id, containerName: 'debugger' } });
  t.ok(d.shared?.includes('pid'), 'the debugger shares the app’s pid namespace');
  const a = await cli(['access', `${NS}/web`, 'debugger']);
  t.match(a, { target: { ref: `${NS}/web/app` }, debugger: { ref: `${NS}/web/debugger` } }, 'access by pod name: the debugger against its recorded target');
  t.same(a.verdicts?.map((v: any) => v.op), ['see-processes', 'signal', 'ptrace', 'read-root', 'read-environ', 'capture-packets']);
  const miss = await execa(process.execPath, [CLI, 'ns', `${NS}/nope`], { reject: false, env, extendEnv: false });
  t.equal(miss.exitCode, 1);
  t.match(miss.stderr, new RegExp(`^nsinspect: no pod ${NS}/nope has a running container on this node\\. Try: pods with records here: .*${NS}/web`));
  const exited = await execa(process.execPath, [CLI, 'ns', `container/${pod.id}`.replace(pod.id, '0'.repeat(12))], { reject: false, env, extendEnv: false });
  t.match(exited.stderr, /no container 000000000000 on this node/, 'an unknown ID is still just absent');
});
