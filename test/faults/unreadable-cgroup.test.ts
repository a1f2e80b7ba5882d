// Fault: the engine may not read a container's cgroup (run as nobody; cgroup.procs 0600, a cgroup dir 0700): degraded, `unreadable`, no error.
import t, { type Test } from 'tap';
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, execaSync } from 'execa';
import { labFor } from '../helpers/lab.js';
import { startDemoPod } from '../../lab/pod.js';
import { cgroupMountPoints } from '../../lab/runc.js';

const TOP = new URL('../..', import.meta.url).pathname;

/** A copy of the compiled engine that user nobody can read, with a probe that prints what it sees. */
function engineForNobody(t: Test): string {
  const root = mkdtempSync(join(tmpdir(), 'nsi-nobody-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  cpSync(join(TOP, 'dist/agent'), join(root, 'dist/agent'), { recursive: true });
  cpSync(join(TOP, 'package.json'), join(root, 'package.json'));
  writeFileSync(join(root, 'probe.mjs'), `
import { Engine, runningContainers } from './dist/agent/inspect/engine.js';
const e = new Engine();
const attempt = (f) => { try { return f(); } catch (err) { return { error: err.code ?? 'THROWN', message: err.message }; } };
const ids = process.argv.slice(2);
console.log(JSON.stringify({
  uid: process.getuid(),
  subjects: ids.map((id) => attempt(() => { const s = e.containerSubject(id); return { pid: s.pid, podUID: s.podUID, namespaces: s.namespaces, unreadable: s.unreadable }; })),
  whois: attempt(() => { const s = e.pidSubject(e.containerSubject(ids[0]).pid); return { pid: s.pid, containerID: s.containerID, podUID: s.podUID, unreadable: s.unreadable }; }),
  ps: attempt(() => e.ps(e.containerSubject(ids[0])).length),
  running: attempt(() => runningContainers(e).length),
  lsns: attempt(() => e.lsns(['mnt']).length),
}));
`);
  execaSync('chmod', ['-R', 'a+rX', root]);
  return join(root, 'probe.mjs');
}

t.test('a container whose cgroup the engine may not read', async (t) => {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  // The app: cgroup.procs readable by root only. The debugger: its cgroup directory closed to others.
  for (const m of cgroupMountPoints()) {
    try {
      chmodSync(join(m, pod.podPath, pod.app.id, 'cgroup.procs'), 0o600);
      chmodSync(join(m, pod.podPath, pod.debugger.id), 0o700);
    } catch {
      // not every v1 hierarchy holds the container
    }
  }
  const probe = engineForNobody(t);
  const r = await execa('env', ['-u', 'NODE_OPTIONS', 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, probe, pod.app.id, pod.debugger.id, pod.sandbox.id], {
    reject: false, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, extendEnv: false, timeout: 60_000,
  });
  t.equal(r.exitCode, 0, 'the probe ran', { stderr: r.stderr });
  const out = JSON.parse(r.stdout);
  t.equal(out.uid, 65534, 'as nobody');
  const [app, dbg, sandbox] = out.subjects;
  t.match(app, { pid: pod.app.pid, podUID: pod.uid, namespaces: {}, unreadable: 'denied' }, 'cgroup.procs unreadable: found by its processes, namespaces denied');
  t.match(dbg, { pid: pod.debugger.pid, podUID: pod.uid, namespaces: {}, unreadable: 'denied' }, 'cgroup directory unreadable: the same');
  t.match(sandbox, { pid: pod.sandbox.pid, unreadable: 'denied' }, 'a readable cgroup, but not our processes: namespaces denied');
  t.match(out.whois, { pid: pod.app.pid, containerID: pod.app.id, podUID: pod.uid, unreadable: 'denied' }, 'whois: the owner from /proc/<pid>/cgroup');
  t.match(out.ps, { error: 'UNAVAILABLE', message: /cannot read the pid namespace .* \(denied\)/ }, 'ps needs the pid namespace: a clear error');
  t.equal(typeof out.running, 'number', 'listing the node works');
  t.ok(out.running >= 4, `${out.running} containers listed`);
  t.equal(typeof out.lsns, 'number', 'lsns degrades to what it can read');
});
