// Each of the three layers made to fail on purpose on real containerd pods made over CRI, checked against stat(2):
// - KUBELET_DID_NOT_REQUEST: the pod spec names a target, kubelet sent pid CONTAINER (an old kubelet): made over CRI as is;
// - RUNTIME_IGNORED: a debugger made with pid CONTAINER whose record claims TARGET, and the reverse. containerd
//   cannot be asked to disobey its request, so the test makes the record lie instead: it edits config.json in
//   the task's bundle after creation. That file is exactly what nsinspect reads as "what the runtime was told",
//   and containerd never reads it again for a running task;
// - MOVED_AFTER_START: a container whose init unshares its user and net namespaces after start, leaving a child
//   in the pod's.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { Engine } from '../../agent/inspect/engine.js';
import { PodInspector } from '../../agent/inspect/pod-inspector.js';
import { readRecord } from '../../agent/discovery/records.js';
import type { PodContainer, PodInfo } from '../../agent/model/pod.js';
import type { ContainerID } from '../../agent/model/types.js';
import type { LayerRowJSON } from '../../agent/protocol/layers.js';
import { type CriContainer, criFor } from '../helpers/cri.js';
import { BUSYBOX_IMAGE } from '../../lab/cri/images.js';
import { statNamespaces, waitFor } from '../helpers/lab.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const cri = await criFor(t);
const dir = cri.containerd.dir;
const roots = { containerdState: [], containerdRoot: [join(dir, 'root')], crio: [] };

const pod = await cri.pod({ name: 'layers', namespace: 'shop', qos: 'burstable' });
const app = await cri.container(pod, { name: 'app' });
const oldKubelet = await cri.container(pod, { name: 'dbg-old-kubelet' });
const lying = await cri.container(pod, { name: 'dbg-record-says-target' });
const reverse = await cri.container(pod, { name: 'dbg-record-says-new', target: app });
const mover = await cri.container(pod, { name: 'mover', command: ['sh', '-c', 'sleep 2147483647 & exec unshare -U -r -n sleep 2147483647'] });

/** Rewrites the pid entry of a container's recorded spec; the original goes back at teardown. */
function editPidJoin(c: CriContainer, path: string | undefined): void {
  const file = readRecord(c.id, roots, c.pid)?.source as string;
  const original = readFileSync(file, 'utf8');
  t.teardown(() => writeFileSync(file, original));
  const spec = JSON.parse(original);
  spec.linux.namespaces = spec.linux.namespaces.map((n: { type: string }) => (n.type === 'pid' ? (path ? { type: 'pid', path } : { type: 'pid' }) : n));
  writeFileSync(file, JSON.stringify(spec));
}
editPidJoin(lying, `/proc/${app.pid}/ns/pid`);
editPidJoin(reverse, undefined);

/** The pod as the API would show it: every debugger an ephemeral container targeting app. */
function podInfo(): PodInfo {
  const c = (x: CriContainer, kind: PodContainer['kind'], target?: string): PodContainer => ({ name: x.name, kind, privileged: false, containerID: x.id as ContainerID, runtime: 'containerd', state: 'running', ...(target ? { target } : {}) });
  return {
    namespace: 'shop', name: 'layers', uid: pod.uid, hostNetwork: false, hostPID: false, hostIPC: false, shareProcessNamespace: false, hostUsers: true,
    containers: [c(app, 'app'), c(oldKubelet, 'ephemeral', 'app'), c(lying, 'ephemeral', 'app'), c(reverse, 'ephemeral', 'app'), c(mover, 'app')],
  };
}

const bad = (rows: LayerRowJSON[] | undefined) => (rows ?? []).filter((r) => !r.agree).map((r) => `${r.side}/${r.type}: ${r.broke.join('+')}`);
const row = (rows: LayerRowJSON[] | undefined, side: string, type: string) => rows?.find((r) => r.side === side && r.type === type);

t.test('stat(2) ground truth of what was made', async (t) => {
  const [a, o, l, r] = [app, oldKubelet, lying, reverse].map((c) => statNamespaces(c.pid).pid);
  t.not(o, a, 'the old kubelet’s debugger has its own pid namespace');
  t.not(l, a, 'so has the one whose record claims TARGET');
  t.equal(r, a, 'the one whose record claims a new one is in the app’s');
  await waitFor('mover to unshare', () => (statNamespaces(mover.pid).net !== statNamespaces(pod.pid).net ? true : undefined), 10_000);
  t.not(statNamespaces(mover.pid).user, statNamespaces(1).user, 'mover left the node’s user namespace');
});

t.test('KUBELET_DID_NOT_REQUEST: the spec names a target, the record and the kernel say new', async (t) => {
  const d = new PodInspector(new Engine(roots), { sandboxWalkMaxAgeMs: 0, snapshotTtlMs: 0 }).diff(podInfo(), 'dbg-old-kubelet');
  t.same(bad(d.layers), ['debugger/pid: KUBELET_DID_NOT_REQUEST']);
  t.match(row(d.layers, 'debugger', 'pid'), { spec: 'target', told: { join: 'new' }, kernel: 'private', kernelInode: statNamespaces(oldKubelet.pid).pid });
  t.same(bad(new Engine(roots).podDiff('shop', 'layers', 'dbg-old-kubelet', 'app').layers), [], 'node-local, without the pod spec, nothing disagrees');
});

t.test('RUNTIME_IGNORED: the record says TARGET, the kernel shows its own', async (t) => {
  const local = new Engine(roots).podDiff('shop', 'layers', 'dbg-record-says-target', 'app');
  t.same(bad(local.layers), ['debugger/pid: RUNTIME_IGNORED'], 'node-local');
  t.match(row(local.layers, 'debugger', 'pid'), { spec: null, told: { join: 'path', path: `/proc/${app.pid}/ns/pid`, owner: 'target', inode: statNamespaces(app.pid).pid }, kernel: 'private', kernelInode: statNamespaces(lying.pid).pid });
  const d = new PodInspector(new Engine(roots), { sandboxWalkMaxAgeMs: 0, snapshotTtlMs: 0 }).diff(podInfo(), 'dbg-record-says-target');
  t.same(bad(d.layers), ['debugger/pid: RUNTIME_IGNORED'], 'with the pod spec: the kubelet did ask');
});

t.test('RUNTIME_IGNORED, the reverse: the record says new, the kernel shows the target’s', async (t) => {
  const local = new Engine(roots).podDiff('shop', 'layers', 'dbg-record-says-new', 'app');
  t.same(bad(local.layers), ['debugger/pid: RUNTIME_IGNORED']);
  t.match(row(local.layers, 'debugger', 'pid'), { told: { join: 'new' }, kernel: 'target', kernelInode: statNamespaces(app.pid).pid });
  const d = new PodInspector(new Engine(roots), { sandboxWalkMaxAgeMs: 0, snapshotTtlMs: 0 }).diff(podInfo(), 'dbg-record-says-new');
  t.same(bad(d.layers), ['debugger/pid: KUBELET_DID_NOT_REQUEST+RUNTIME_IGNORED'], 'with the spec: both hops broke');
});

t.test('MOVED_AFTER_START: the init unshared user and net; its child stayed', async (t) => {
  const local = new Engine(roots).podDiff('shop', 'layers', 'mover', 'app');
  t.same(bad(local.layers), ['debugger/net: MOVED_AFTER_START', 'debugger/user: MOVED_AFTER_START']);
  t.match(row(local.layers, 'debugger', 'net'), { told: { join: 'path', path: `/proc/${pod.pid}/ns/net`, owner: 'sandbox', inode: statNamespaces(pod.pid).net }, kernel: 'private', kernelInode: statNamespaces(mover.pid).net });
  t.match(row(local.layers, 'debugger', 'user'), { told: { join: 'inherit', owner: 'host' }, kernel: 'private', kernelInode: statNamespaces(mover.pid).user });
  t.same(bad(new Engine(roots).podDiff('shop', 'layers', 'app', 'mover').layers), ['target/net: MOVED_AFTER_START', 'target/user: MOVED_AFTER_START'], 'as the target side too');
});

t.test('the CLI shows the layers only when they disagree', async (t) => {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: '/nonexistent', NODE_OPTIONS: '', NSINSPECT_CONTAINERD_ROOT: join(dir, 'root') };
  const run = (args: string[]) => execa(process.execPath, [CLI, ...args], { reject: false, env, extendEnv: false });
  const broken = await run(['diff', 'shop/layers', 'dbg-record-says-target', '--target', 'app']);
  t.equal(broken.exitCode, 0, broken.stderr);
  t.match(broken.stdout, /layers \(pod spec → runtime → kernel\) disagree:\nSIDE\s+TYPE\s+POD SPEC\s+RUNTIME TOLD\s+KERNEL\s+BROKE\ndebugger\s+pid\s+\?\s+target\s+private\s+RUNTIME_IGNORED\n/);
  const fine = await run(['diff', 'shop/layers', 'dbg-old-kubelet', '--target', 'app']);
  t.notMatch(fine.stdout, /disagree/, 'no section when the record and the kernel agree');
  const json = JSON.parse((await run(['diff', 'shop/layers', 'mover', '--target', 'app', '-o', 'json'])).stdout);
  t.equal(json.layers.length, 16, 'json: every type of both sides');
});

t.test('the pod view: the layers per container, images and exit codes from the records', async (t) => {
  const id = await cri.cri.createContainer(
    pod.id,
    { metadata: { name: 'init' }, image: { image: BUSYBOX_IMAGE }, command: ['sh', '-c', 'exit 3'], linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } } },
    pod.config,
  );
  await cri.cri.startContainer(id);
  await waitFor('init to exit', async () => ((await cri.cri.containerStatus(id)).status.state === 'CONTAINER_EXITED' ? true : undefined), 30_000);
  const info = podInfo();
  // The API has not caught up yet: it still says running.
  info.containers.push({ name: 'init', kind: 'init', privileged: false, containerID: id as ContainerID, runtime: 'containerd', state: 'running' });
  const v = new PodInspector(new Engine(roots), { sandboxWalkMaxAgeMs: 0, snapshotTtlMs: 0 }).pod(info);
  t.same(
    (v.layers ?? []).map((r) => `${r.container}/${r.type}: ${r.broke.join('+')}`),
    ['dbg-old-kubelet/pid: KUBELET_DID_NOT_REQUEST', 'dbg-record-says-target/pid: RUNTIME_IGNORED', 'dbg-record-says-new/pid: KUBELET_DID_NOT_REQUEST+RUNTIME_IGNORED', 'mover/net: MOVED_AFTER_START', 'mover/user: MOVED_AFTER_START'],
    'each broken layer, by container; the sandbox and app agree',
  );
  t.match(v.containers.find((c) => c.name === 'app'), { image: BUSYBOX_IMAGE, containerID: app.id }, 'an image the API did not give, from the record');
  t.match(v.containers.find((c) => c.name === '(sandbox)'), { containerID: pod.id, state: 'running' }, 'the sandbox, exactly as its record names it');
  t.match(v.containers.find((c) => c.name === 'init'), { state: 'terminated', exitCode: 3 }, 'exited on the node, with its code');
});

t.test('cost, for the note (no timed assertion)', async (t) => {
  const e = new Engine(roots);
  const [tgt, dbg] = [e.containerSubject(app.id), e.containerSubject(lying.id)];
  const time = (f: () => unknown, n = 100) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    return ((performance.now() - t0) / n).toFixed(2);
  };
  const { layersOf } = await import('../../agent/inspect/layers-of.js');
  t.comment(`engine.diff of two resolved containers: ${time(() => e.diff(tgt, dbg))} ms, of which the layers: ${time(() => layersOf(tgt, dbg, { target: 'app', debugger: 'dbg' }, { host: statNamespaces(1), sandbox: statNamespaces(pod.pid) }))} ms`);
  t.pass();
});
