// Fault: /sys/fs/cgroup laid out unexpectedly (unknown names, deep nesting, prefixed slices, cgroup2 elsewhere): found or unknown, never a crash.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { labFor } from '../helpers/lab.js';
import { agentFor, apiServerFor, demoPodJson, get } from '../helpers/cluster.js';
import { randomHex, randomUUID } from '../../lab/runc.js';
import { type DemoPod, startPodContainer } from '../../lab/pod.js';

const SLEEP = ['sleep', '2147483647'];
const DIST = new URL('../../dist', import.meta.url).pathname;

t.test('unknown names, deep nesting and a kind-style prefixed slice', async (t) => {
  const lab = await labFor(t);
  const srv = await apiServerFor(t);
  // Not a container name any runtime uses: a process in no known container.
  const odd = await lab.run({ id: randomHex(64), args: SLEEP, cgroupsPath: `/nsi-odd-${randomHex(8)}/box-${randomHex(8)}` });
  // A pod cgroup with 16 levels between it and the container.
  const deepUID = randomUUID();
  const deepID = randomHex(64);
  const deep = await lab.run({ id: deepID, args: SLEEP, cgroupsPath: `/kubepods/burstable/pod${deepUID}/${Array.from({ length: 16 }, (_, i) => `d${i}`).join('/')}/${deepID}` });
  // kind's nodes: kubelet --cgroup-root=/kubelet with the systemd driver prefixes every slice.
  const uid = randomUUID();
  const podPath = `/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod${uid.replaceAll('-', '_')}.slice`;
  const sandbox = await startPodContainer(lab, 'containerd-systemd', podPath, SLEEP, undefined, 'web');
  const j = { net: sandbox.pid, ipc: sandbox.pid, uts: sandbox.pid };
  const app = await startPodContainer(lab, 'containerd-systemd', podPath, SLEEP, j);
  const dbg = await startPodContainer(lab, 'containerd-systemd', podPath, SLEEP, { ...j, pid: app.pid });
  const noTarget = await startPodContainer(lab, 'containerd-systemd', podPath, SLEEP, j);
  const kind: DemoPod = { uid, qos: 'burstable', layout: 'containerd-systemd', podPath, sandbox, app, debugger: dbg, debuggerNoTarget: noTarget };
  srv.pods.add(demoPodJson(kind, 'kind-web'));
  const agent = await agentFor(t, srv, { auth: 'none' });

  const list = await get(agent, '/v1/containers');
  t.equal(list.status, 200, 'the node listing works');
  const ids = list.body.items.map((c: { containerID: string }) => c.containerID);
  t.notOk(list.body.items.some((c: { pid: number }) => c.pid === odd.pid), 'the oddly named cgroup is not taken for a container');
  t.ok(ids.includes(deepID), 'the deeply nested container is listed');
  t.ok(ids.includes(app.id), 'the kind-layout container is listed');

  const who = await get(agent, `/v1/processes/${odd.pid}`);
  t.equal(who.status, 200, 'the odd process is found by PID');
  t.notOk(who.body.containerID, 'as belonging to no known container');
  t.ok(who.body.namespaces.mnt > 0, 'with its namespaces');
  const lsns = agent.engine.lsns(['mnt']).find((n) => n.pid === odd.pid);
  t.ok(lsns && lsns.containerID === undefined, 'lsns lists its namespace with no container');

  const d = await get(agent, `/v1/containers/${deepID}`);
  t.equal(d.status, 200, 'found by ID 17 levels below kubepods');
  t.equal(d.body.pid, deep.pid);
  t.equal(d.body.podUID, deepUID, 'with its pod');

  const view = await get(agent, '/v1/pods/shop/kind-web');
  t.equal(view.status, 200);
  t.same(view.body.containers.map((c: { name: string; pid: number }) => [c.name, c.pid]), [['(sandbox)', sandbox.pid], ['app', app.pid], ['debugger', dbg.pid], ['debugger-notarget', noTarget.pid]], 'the sandbox is found in the prefixed pod slice');
  const diff = await get(agent, '/v1/pods/shop/kind-web/diff?debugger=debugger');
  t.match(diff.body.namespaces.find((n: { type: string }) => n.type === 'net'), { shared: true, with: 'sandbox' });
  t.match(diff.body.namespaces.find((n: { type: string }) => n.type === 'pid'), { shared: true, with: 'target' });
});

t.test('cgroup2 mounted somewhere unusual, nothing at /sys/fs/cgroup', async (t) => {
  const lab = await labFor(t);
  const uid = randomUUID();
  const c = await startPodContainer(lab, 'containerd-cgroupfs', `/kubepods/burstable/pod${uid}`, SLEEP);
  const dir = mkdtempSync(join(tmpdir(), 'nsi-cg2-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const mnt = join(dir, 'somewhere/else');
  // A probe in a private mount namespace: the mounts it changes are its own.
  const probe = join(dir, 'probe.mjs');
  writeFileSync(probe, `
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
const [dist, mnt, id] = process.argv.slice(2);
execFileSync('umount', ['-R', '/sys/fs/cgroup']);
mkdirSync(mnt, { recursive: true });
execFileSync('mount', ['-t', 'cgroup2', 'none', mnt]);
const { Engine } = await import(dist + '/agent/inspect/engine.js');
const { cgroupHierarchies } = await import(dist + '/agent/procfs/cgroupfs.js');
const e = new Engine();
const s = e.containerSubject(id);
console.log(JSON.stringify({ hierarchies: cgroupHierarchies().map((h) => h.mountPoint), pid: s.pid, podUID: s.podUID, whois: e.pidSubject(s.pid).containerID, listed: e.lsns(['mnt']).filter((n) => n.containerID === id).length }));
`);
  const r = await execa('unshare', ['--mount', '--propagation', 'private', process.execPath, probe, DIST, mnt, c.id], {
    reject: false, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, extendEnv: false, timeout: 60_000,
  });
  t.equal(r.exitCode, 0, 'the probe ran', { stderr: r.stderr });
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  t.same(out.hierarchies, [mnt], 'the only hierarchy is the unusual mount, found from mountinfo');
  t.match(out, { pid: c.pid, podUID: uid, whois: c.id, listed: 1 }, 'the container is found there, by ID and by PID');
});
