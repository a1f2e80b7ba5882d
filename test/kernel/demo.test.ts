// The article's experiment on real containers: diff, findings and host-side ps, checked against the kernel.
import t from 'tap';
import { execa } from 'execa';
import { labFor } from '../helpers/lab.js';
import { startDemoPod } from '../../lab/pod.js';
import { Engine } from '../../agent/inspect/engine.js';
import { psJSON, whoisJSON } from '../../agent/protocol/answers.js';

t.test('kubectl debug with and without --target', async (t) => {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const engine = new Engine();
  const app = engine.containerSubject(pod.app.id);

  const withTarget = engine.diff(app, engine.containerSubject(pod.debugger.id));
  t.same(withTarget.shared, ['ipc', 'net', 'pid', 'time', 'user', 'uts']);
  t.same(withTarget.notShared, ['cgroup', 'mnt']);
  t.same(withTarget.findings.map((f) => f.code), ['TARGET_PID_SHARED', 'MNT_PRIVATE']);
  t.same(Object.fromEntries(withTarget.namespaces.map((r) => [r.type, r.with])), {
    cgroup: 'private', ipc: 'sandbox', mnt: 'private', net: 'sandbox', pid: 'target', time: 'host', user: 'host', uts: 'sandbox',
  });
  t.match(withTarget.target, { ref: `container/${pod.app.id}`, pid: pod.app.pid, containerID: pod.app.id, podUID: pod.uid });

  const noTarget = engine.diff(app, engine.containerSubject(pod.debuggerNoTarget.id));
  t.same(noTarget.shared, ['ipc', 'net', 'time', 'user', 'uts']);
  t.same(noTarget.notShared, ['cgroup', 'mnt', 'pid']);
  t.equal(noTarget.findings[0]?.code, 'NO_TARGET');
  t.match(noTarget.findings[0]?.message, /without --target/);
});

t.test('the runtime ignored --target: the debugger is in the sandbox pid namespace', async (t) => {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const { startPodContainer } = await import('../../lab/pod.js');
  const broken = await startPodContainer(lab, pod.layout, pod.podPath, ['sleep', '2147483647'], {
    net: pod.sandbox.pid, ipc: pod.sandbox.pid, uts: pod.sandbox.pid, pid: pod.sandbox.pid,
  });
  const engine = new Engine();
  const d = engine.diff(engine.containerSubject(pod.app.id), engine.containerSubject(broken.id));
  t.equal(d.findings[0]?.code, 'TARGET_IGNORED');
  t.equal(d.namespaces.find((r) => r.type === 'pid')?.with, 'sandbox');
});

t.test('host-side ps lists the pid namespace with container PIDs', async (t) => {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const engine = new Engine();
  const ps = psJSON(engine.ps(engine.containerSubject(pod.app.id)));
  // Ground truth: the container's own view, through the real nsenter and the container's busybox ps.
  const inside = await execa('nsenter', ['--target', String(pod.app.pid), '--all', 'ps', '-o', 'pid,args']);
  const insidePids = inside.stdout.split('\n').slice(1).map((l) => l.trim().split(/\s+/)).filter((f) => f[1] !== 'ps').map((f) => Number(f[0]));
  t.same(ps.processes.map((p) => p.nspid).sort((a, b) => a - b), insidePids.sort((a, b) => a - b), 'NSpids are what the container sees');
  t.equal(ps.processes.find((p) => p.pid === pod.app.pid)?.nspid, 1, 'the init process is PID 1 inside');
  t.equal(ps.processes.length, 4, "the app's three processes and the --target debugger's one");
  t.equal(ps.processes.filter((p) => p.containerID === pod.app.id).length, 3);
  t.equal(ps.processes.filter((p) => p.containerID === pod.debugger.id).length, 1, "the debugger's process shows as the debugger's");
  t.ok(ps.processes.every((p) => p.command === 'sleep 2147483647'));
  t.ok(ps.processes.every((p) => !Number.isNaN(Date.parse(p.startTime))));
});

t.test('whois maps a host PID back to its container and pod', async (t) => {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab, 'containerd-systemd', 'guaranteed');
  const w = whoisJSON(new Engine().pidSubject(pod.debugger.pid));
  t.match(w, { pid: pod.debugger.pid, containerID: pod.debugger.id, podUID: pod.uid, runtime: 'containerd' });
  t.equal(whoisJSON(new Engine().pidSubject(process.pid)).containerID, undefined, 'a host process has no container');
});
