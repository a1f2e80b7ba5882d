// Pods made over CRI on a real containerd, the way kubelet makes them; nsinspect's node-local answers
// (diff, ns, whois, lsns) checked field by field against stat(2) and against what CRI was asked for.
import t, { type Test } from 'tap';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { Engine } from '../../agent/inspect/engine.js';
import { type CriContainer, type CriPod, CriFixture, criFor } from '../helpers/cri.js';
import { Containerd, pidsMentioning } from '../../lab/cri/containerd.js';
import { childrenOf, spawnFor, statNamespaces, waitFor } from '../helpers/lab.js';
import { BUSYBOX_IMAGE } from '../../lab/cri/images.js';
import { type With, checkDiff, checkLsns, checkNsWhois, checkPs, cliRaw, containerCgroupNs } from '../helpers/nsinspect-truth.js';

const cri = await criFor(t);
const side = (c: CriContainer) => ({ id: c.id, pid: c.pid, podUID: c.pod.uid });
const codes = (d: any): string[] => (d.findings ?? []).map((f: any) => f.code);

/** The sandbox and each container: ns and whois against stat(2); the engine finds the sandbox CRI made. */
async function checkPod(t: Test, pod: CriPod, containers: CriContainer[]): Promise<void> {
  await checkNsWhois(t, { id: pod.id, pid: pod.pid, podUID: pod.uid }, 'containerd');
  for (const c of containers) await checkNsWhois(t, side(c), 'containerd');
  const engine = new Engine();
  t.equal(engine.sandboxOf(pod.uid)?.container.containerID, pod.id, 'the sandbox found is the one CRI made');
  for (const c of [...containers.map((c) => c.id), pod.id]) {
    t.match(engine.index.container(c), { podUID: pod.uid, qos: pod.qos, runtime: 'containerd' }, `engine: ${c.slice(0, 12)} pod UID and QoS`);
  }
  // The cgroup runc put the container in is the one kubelet asked for.
  for (const c of containers) t.match(readFileSync(`/proc/${c.pid}/cgroup`, 'utf8'), `${pod.cgroupParent}/${c.id}`, `${c.name} in ${pod.cgroupParent}`);
}

t.test('runtime: containerd over CRI', async (t) => {
  const v = await cri.cri.version();
  t.equal(v.runtime_name, 'containerd');
  t.equal(v.runtime_api_version, 'v1');
  t.comment(`containerd ${v.runtime_version}, fixture set-up ${cri.containerd.setupMs} ms`);
});

t.test('our CNI plugin: a TEST-NET address inside the pod’s netns, nothing on the host', async (t) => {
  const hostLinks = async () => (await execa('ip', ['-o', 'addr', 'show'])).stdout.split('\n').map((l) => l.replace(/\s+valid_lft.*/, '')).sort();
  const before = await hostLinks();
  const pod = await cri.pod({ name: 'cni', namespace: 'shop' });
  t.equal((await cri.cri.podSandboxStatus(pod.id)).status.network.ip, '198.51.100.2', 'CRI reports the pod IP');
  const inPod = await execa('nsenter', [`--net=/proc/${pod.pid}/ns/net`, 'ip', '-4', '-o', 'addr', 'show']);
  t.match(inPod.stdout, /eth0\s+inet 198\.51\.100\.2\/24/, 'eth0 has it in the pod');
  t.match(inPod.stdout, /lo\s+inet 127\.0\.0\.1\/8/, 'lo is up in the pod');
  t.same(await hostLinks(), before, 'the host’s interfaces and addresses are unchanged');
});

t.test('kubectl debug --target and without a target', async (t) => {
  const pod = await cri.pod({ name: 'web', namespace: 'shop', qos: 'burstable' });
  const app = await cri.container(pod, { name: 'app', command: ['sh', '-c', 'sleep 2147483647 & exec sleep 2147483647'] });
  const dbg = await cri.container(pod, { name: 'debugger-target', target: app });
  const plain = await cri.container(pod, { name: 'debugger-plain' });
  await checkPod(t, pod, [app, dbg, plain]);

  const base: Record<string, With> = { cgroup: containerCgroupNs, ipc: 'sandbox', mnt: 'private', net: 'sandbox', time: 'host', user: 'host', uts: 'sandbox' };
  const withTarget = await checkDiff(t, side(app), side(dbg), { ...base, pid: 'target' } as Record<any, With>, pod.pid);
  t.same(codes(withTarget), ['TARGET_PID_SHARED', 'MNT_PRIVATE'], 'findings with --target');
  const without = await checkDiff(t, side(app), side(plain), { ...base, pid: 'private' } as Record<any, With>, pod.pid);
  t.same(codes(without), ['NO_TARGET', 'MNT_PRIVATE'], 'findings without --target');

  const sandboxNs = statNamespaces(pod.pid);
  const appNs = statNamespaces(app.pid);
  const sb = { id: pod.id, pid: pod.pid };
  await checkLsns(t, [
    { type: 'net', inode: sandboxNs.net as number, owner: sb },
    { type: 'ipc', inode: sandboxNs.ipc as number, owner: sb },
    { type: 'uts', inode: sandboxNs.uts as number, owner: sb },
    { type: 'pid', inode: appNs.pid as number, owner: side(app) },
    { type: 'mnt', inode: appNs.mnt as number, owner: side(app) },
    { type: 'pid', inode: statNamespaces(plain.pid).pid as number, owner: side(plain) },
  ]);
});

t.test('shareProcessNamespace: one pid namespace, the sandbox’s', async (t) => {
  const pod = await cri.pod({ name: 'shared', namespace: 'shop', qos: 'besteffort', shareProcessNamespace: true });
  const app = await cri.container(pod, { name: 'app' });
  const dbg = await cri.container(pod, { name: 'debugger', target: app });
  await checkPod(t, pod, [app, dbg]);
  const d = await checkDiff(
    t, side(app), side(dbg),
    { cgroup: containerCgroupNs, ipc: 'sandbox', mnt: 'private', net: 'sandbox', pid: 'sandbox', time: 'host', user: 'host', uts: 'sandbox' },
    pod.pid,
  );
  t.ok(codes(d).includes('POD_SHARED_PID'), 'finding: pod-wide pid namespace');
  await checkLsns(t, [{ type: 'pid', inode: statNamespaces(pod.pid).pid as number, owner: { id: pod.id, pid: pod.pid } }]);
});

t.test('hostNetwork: net and uts are the node’s', async (t) => {
  const pod = await cri.pod({ name: 'hostnet', namespace: 'kube-system', qos: 'burstable', hostNetwork: true });
  const app = await cri.container(pod, { name: 'app' });
  const dbg = await cri.container(pod, { name: 'debugger', target: app });
  await checkPod(t, pod, [app, dbg]);
  const d = await checkDiff(
    t, side(app), side(dbg),
    { cgroup: containerCgroupNs, ipc: 'sandbox', mnt: 'private', net: 'host', pid: 'target', time: 'host', user: 'host', uts: 'host' },
    pod.pid,
  );
  t.ok(codes(d).includes('HOST_NETWORK'), 'finding: hostNetwork');
});

t.test('hostPID + hostIPC: pid and ipc are the node’s', async (t) => {
  const pod = await cri.pod({ name: 'hostpid', namespace: 'kube-system', qos: 'besteffort', hostPID: true, hostIPC: true });
  const app = await cri.container(pod, { name: 'app' });
  const dbg = await cri.container(pod, { name: 'debugger' });
  await checkPod(t, pod, [app, dbg]);
  const d = await checkDiff(
    t, side(app), side(dbg),
    { cgroup: containerCgroupNs, ipc: 'host', mnt: 'private', net: 'sandbox', pid: 'host', time: 'host', user: 'host', uts: 'sandbox' },
    pod.pid,
  );
  t.ok(codes(d).includes('HOST_PID'), 'finding: hostPID');
  t.ok(codes(d).includes('HOST_IPC'), 'finding: hostIPC');
});

t.test('the three QoS classes: kubelet’s cgroup parents', async (t) => {
  for (const qos of ['guaranteed', 'burstable', 'besteffort'] as const) {
    const pod = await cri.pod({ name: `qos-${qos}`, namespace: 'shop', qos });
    const app = await cri.container(pod, { name: 'app' });
    t.equal(pod.cgroupParent, qos === 'guaranteed' ? `/kubepods/pod${pod.uid}` : `/kubepods/${qos}/pod${pod.uid}`);
    await checkPod(t, pod, [app]);
  }
});

t.test('cleanup leaves nothing behind, even when containerd died with pods running', async (t) => {
  const dir = `/run/nsinspect-cri/${crypto.randomUUID().slice(0, 8)}`;
  const shimSockets = () => (existsSync('/run/containerd/s') ? readdirSync('/run/containerd/s').sort() : []);
  const socketsBefore = shimSockets();
  const fixture = new CriFixture(await Containerd.start(dir));
  let cleaned = false;
  t.teardown(async () => {
    if (!cleaned) await fixture.cleanup().catch(() => {});
  });
  const pod = await fixture.pod({ name: 'doomed', namespace: 'shop', qos: 'burstable' });
  const app = await fixture.container(pod, { name: 'app' });
  t.ok(pod.netnsPath && existsSync(pod.netnsPath), 'CRI made a netns file');
  process.kill(fixture.containerd.pid as number, 'SIGKILL');
  await t.rejects(fixture.cleanup(), /cleaning up CRI pods/, 'the CRI calls fail: the daemon is gone');
  cleaned = true;
  for (const pid of [pod.pid, app.pid]) t.notOk(existsSync(`/proc/${pid}`), `process ${pid} is gone`);
  t.same(pidsMentioning(dir), [], 'no shim or daemon of ours is left');
  t.same(shimSockets(), socketsBefore, 'no shim socket of ours is left in /run/containerd/s');
  t.notOk(readFileSync('/proc/self/mountinfo', 'utf8').includes(dir), 'nothing mounted under its dir');
  t.notOk(existsSync(dir), 'its dir is gone');
  t.notOk(existsSync(pod.netnsPath as string), 'the netns file is gone');
  for (const h of readdirSync('/sys/fs/cgroup')) t.notOk(existsSync(join('/sys/fs/cgroup', h, pod.cgroupParent)), `no ${h}${pod.cgroupParent}`);
});

// Issue 13's bugs 1 (ps by pid namespace: fixed) and 2 (exited containers: still a todo), on real runtimes.

t.test('ps lists the pid namespace: --target, no target, shared, hostPID', async (t) => {
  const pod = await cri.pod({ name: 'ps', namespace: 'shop', qos: 'burstable' });
  const app = await cri.container(pod, { name: 'app', command: ['sh', '-c', 'sleep 2147483647 & exec sleep 2147483647'] });
  const dbg = await cri.container(pod, { name: 'debugger-target', target: app });
  const plain = await cri.container(pod, { name: 'debugger-plain' });
  await checkPs(t, `container/${app.id}`, statNamespaces(app.pid).pid as number, 'app (with its --target debugger)');
  await checkPs(t, `container/${dbg.id}`, statNamespaces(dbg.pid).pid as number, 'the --target debugger');
  await checkPs(t, `container/${plain.id}`, statNamespaces(plain.pid).pid as number, 'a debugger without a target');
  const shared = await cri.pod({ name: 'ps-shared', namespace: 'shop', shareProcessNamespace: true });
  const sApp = await cri.container(shared, { name: 'app' });
  await checkPs(t, `container/${sApp.id}`, statNamespaces(sApp.pid).pid as number, 'shareProcessNamespace');
});

t.test('ps of a hostPID container lists the node’s pid namespace', async (t) => {
  const pod = await cri.pod({ name: 'ps-hostpid', namespace: 'kube-system', hostPID: true });
  const app = await cri.container(pod, { name: 'app' });
  await checkPs(t, `container/${app.id}`, statNamespaces(app.pid).pid as number, 'hostPID');
});

t.test('ps lists a process that entered the pid namespace from the host (nsenter -p)', async (t) => {
  const pod = await cri.pod({ name: 'ps-nsenter', namespace: 'shop' });
  const app = await cri.container(pod, { name: 'app' });
  const child = spawnFor(t, 'nsenter', ['-t', String(app.pid), '-p', '-m', '--', 'sleep', '2147483647']);
  const pidNs = statNamespaces(app.pid).pid as number;
  await waitFor('nsenter’s sleep in the pid namespace', () => (childrenOf(child.pid as number).some((p) => statNamespaces(p).pid === pidNs) ? true : undefined));
  await checkPs(t, `container/${app.id}`, pidNs, 'after nsenter -p');
});

t.test('an exited container is reported as exited, with its exit code', async (t) => {
  const pod = await cri.pod({ name: 'exited', namespace: 'shop' });
  const id = await cri.cri.createContainer(
    pod.id,
    { metadata: { name: 'init' }, image: { image: BUSYBOX_IMAGE }, command: ['sh', '-c', 'exit 3'], linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } } },
    pod.config,
  );
  await cri.cri.startContainer(id);
  await waitFor('the container to exit', async () => ((await cri.cri.containerStatus(id)).status.state === 'CONTAINER_EXITED' ? true : undefined), 30_000);
  const r = await cliRaw(['ns', `container/${id}`]);
  t.match(`${r.stdout}${r.stderr}`, /exited/, 'says it exited');
  t.match(`${r.stdout}${r.stderr}`, /\b3\b/, 'with its exit code');
});
