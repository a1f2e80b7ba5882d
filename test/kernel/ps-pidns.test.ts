// ps lists exactly a pid namespace's members (stat(2) ground truth), whatever cgroup they sit in.
import t, { type Test } from 'tap';
import { readdirSync, statSync } from 'node:fs';
import { labFor, spawnFor, waitFor } from '../helpers/lab.js';
import { containerCgroupPath } from '../../lab/pod.js';
import { randomHex } from '../../lab/runc.js';
import { Engine } from '../../agent/inspect/engine.js';
import type { PsJSON } from '../../agent/protocol/answers.js';
import { psJSON } from '../../agent/protocol/answers.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const SLEEP = ['sleep', '2147483647'];

/** Ground truth: every pid whose /proc/<pid>/ns/pid has the inode of pid's. */
function membersOf(pid: number): number[] {
  const target = statSync(`/proc/${pid}/ns/pid`).ino;
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (statSync(`/proc/${name}/ns/pid`).ino === target) out.push(Number(name));
    } catch {
      // gone or hidden
    }
  }
  return out.sort((a, b) => a - b);
}

/**
 * ps (read between two ground-truth reads) and stat(2) agree: every listed pid was a member at
 * one of the two reads, and every pid that was a member at both is listed. Other processes on
 * the machine come and go meanwhile, so this is the exact comparison that stays deterministic.
 */
function sameMembers(t: Test, read: () => PsJSON, pid: number, what: string): PsJSON {
  const before = new Set(membersOf(pid));
  const ps = read();
  const after = new Set(membersOf(pid));
  const listed = ps.processes.map((r) => r.pid);
  t.same(listed.filter((p) => !before.has(p) && !after.has(p)), [], `${what}: every listed pid is a member`);
  t.same([...before].filter((p) => after.has(p) && !listed.includes(p)), [], `${what}: every member is listed`);
  return ps;
}

const row = (ps: PsJSON, pid: number) => ps.processes.find((r) => r.pid === pid);

t.test('docker --pid container:X: X and the debugger each list both', async (t) => {
  const lab = await labFor(t);
  const xid = randomHex(64);
  const x = await lab.run({ id: xid, args: ['sh', '-c', 'sleep 2147483647 & exec sleep 2147483647'], cgroupsPath: containerCgroupPath('docker-cgroupfs', '', xid) });
  const did = randomHex(64);
  const dbg = await lab.run({ id: did, args: SLEEP, cgroupsPath: containerCgroupPath('docker-cgroupfs', '', did), join: { pid: x.pid } });
  const engine = new Engine();
  for (const [id, pid] of [[xid, x.pid], [did, dbg.pid]] as const) {
    const ps = sameMembers(t, () => psJSON(engine.ps(engine.containerSubject(id))), pid, `ps of ${id.slice(0, 6)}`);
    t.same(row(ps, x.pid)?.owner, { kind: 'container', containerID: xid }, 'X attributed to X');
    t.same(row(ps, dbg.pid)?.owner, { kind: 'container', containerID: did }, 'debugger attributed to the debugger');
    t.equal(row(ps, dbg.pid)?.containerID, did, 'containerID kept for older clients');
  }
  // Docker's layout (/docker/<id>) is how the engine knows to word the finding for docker run.
  const d = engine.diff(engine.containerSubject(xid), engine.containerSubject(did));
  t.match(d.findings.find((f) => f.code === 'TARGET_PID_SHARED')?.message ?? '', /docker run --pid container:/, 'Docker wording');
});

t.test('hostPID-style container: lists the host pid namespace, host processes are the node\'s', async (t) => {
  const lab = await labFor(t);
  const id = randomHex(64);
  const c = await lab.run({ id, args: SLEEP, cgroupsPath: containerCgroupPath('docker-cgroupfs', '', id), join: { pid: process.pid } }); // the host pid namespace (/proc/1/ns may be unreadable)
  const engine = new Engine();
  const ps = sameMembers(t, () => psJSON(engine.ps(engine.containerSubject(id))), c.pid, 'hostPID ps');
  t.ok(ps.processes.length > 3, 'more than the container');
  t.same(row(ps, process.pid)?.owner, { kind: 'node' }, 'the test runner is the node\'s');
  t.same(row(ps, c.pid)?.owner, { kind: 'container', containerID: id }, 'the container\'s own process');
});

t.test('nsenter -p from the host and an nsinspect exec session are listed as entered from the host', async (t) => {
  const lab = await labFor(t);
  const id = randomHex(64);
  const c = await lab.run({ id, args: SLEEP, cgroupsPath: containerCgroupPath('docker-cgroupfs', '', id) });
  const target = statSync(`/proc/${c.pid}/ns/pid`).ino;
  // nsenter forks into the pid namespace: the member is its child, running sleep 1000.
  spawnFor(t, 'nsenter', ['-t', String(c.pid), '-p', '-m', 'sleep', '1000']);
  spawnFor(t, process.execPath, [CLI, 'exec', `container/${id}`, '--', 'sleep', '1001']);
  const engine = new Engine();
  const bySleep = (ps: PsJSON, arg: string) => ps.processes.find((r) => r.command.endsWith(`sleep ${arg}`) && statSync(`/proc/${r.pid}/ns/pid`).ino === target);
  await waitFor('both sleeps in the namespace', () => {
    const p = psJSON(engine.ps(engine.containerSubject(id)));
    return bySleep(p, '1000') && bySleep(p, '1001') ? p : undefined;
  }, 10_000);
  const ps = sameMembers(t, () => psJSON(engine.ps(engine.containerSubject(id))), c.pid, 'ps with entered processes');
  t.same(bySleep(ps, '1000')?.owner, { kind: 'host-entered' }, 'nsenter -p');
  t.same(bySleep(ps, '1001')?.owner, { kind: 'host-entered' }, 'nsinspect exec session');
  t.same(row(ps, c.pid)?.owner, { kind: 'container', containerID: id }, 'the container\'s init');
});
