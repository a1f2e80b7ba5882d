// The incremental node counts: new and exited processes at every scan, a live process's namespace change at the next full scan.
import t, { type Test } from 'tap';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeScanner, reusedSince } from '../../../../agent/discovery/counts.js';
import { NS_TYPES } from '../../../../agent/model/types.js';

const HOST = { cgroup: 1, ipc: 2, mnt: 3, net: 4, pid: 5, time: 6, user: 7, uts: 8 };

/** A fixture /proc: <pid>/stat with a start time and <pid>/ns/<type> links as the kernel writes them. */
function fakeProc(t: Test): { root: string; put: (pid: number, start: number, ns?: Partial<typeof HOST>) => void; gone: (pid: number) => void } {
  const root = mkdtempSync(join(tmpdir(), 'nsinspect-counts-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  // The pid allocator's counters, as /proc/stat, /proc/loadavg and pid_max show them: each put is a fork.
  mkdirSync(join(root, 'sys/kernel'), { recursive: true });
  writeFileSync(join(root, 'sys/kernel/pid_max'), '32768\n');
  let forks = 100;
  const counters = (last: number): void => {
    writeFileSync(join(root, 'stat'), `cpu  1 2 3 4\nprocesses ${forks}\nprocs_running 1\n`);
    writeFileSync(join(root, 'loadavg'), `0.00 0.00 0.00 1/50 ${last}\n`);
  };
  counters(1);
  const put = (pid: number, start: number, ns: Partial<typeof HOST> = {}): void => {
    forks++;
    counters(pid);
    // Made aside and renamed in place, so a replaced pid gets a new directory inode, as procfs gives a reused pid.
    const tmp = join(root, `.new${n++}`);
    mkdirSync(join(tmp, 'ns'), { recursive: true });
    writeFileSync(join(tmp, 'stat'), `${pid} (sleep) S 1 ${pid} ${pid} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 ${start} 0 0\n`);
    for (const type of NS_TYPES) symlinkSync(`${type}:[${{ ...HOST, ...ns }[type]}]`, join(tmp, 'ns', type));
    rmSync(join(root, String(pid)), { recursive: true, force: true });
    renameSync(tmp, join(root, String(pid)));
  };
  return { root, put, gone: (pid) => rmSync(join(root, String(pid)), { recursive: true, force: true }) };
}

t.test('new processes and exits are seen at every scan; only new processes are read', async (t) => {
  const proc = fakeProc(t);
  proc.put(1, 10);
  proc.put(2, 11);
  const s = new NodeScanner(300_000, proc.root);
  let c = await s.scan();
  t.equal(s.last?.kind, 'full');
  t.same(c, { processes: 2, namespaces: { cgroup: 1, ipc: 1, mnt: 1, net: 1, pid: 1, time: 1, user: 1, uts: 1 } });
  proc.put(3, 12, { net: 40, uts: 80 });
  c = await s.scan();
  t.same(s.last, { kind: 'incremental', pids: 3, read: 1 }, 'only the new process read');
  t.equal(c.namespaces.net, 2);
  t.equal(c.namespaces.uts, 2);
  proc.gone(3);
  c = await s.scan();
  t.equal(c.processes, 2);
  t.equal(c.namespaces.net, 1, 'the namespace went with its last process');
  t.same(s.last, { kind: 'incremental', pids: 2, read: 0 });
});

t.test('without the pid counters every scan is full', async (t) => {
  const proc = fakeProc(t);
  proc.put(1, 10);
  rmSync(join(proc.root, 'loadavg'));
  const s = new NodeScanner(300_000, proc.root);
  await s.scan();
  await s.scan();
  t.same(s.last, { kind: 'full', pids: 1, read: 1 });
});

t.test('reusedSince: only pids handed out since the last reading, unless the allocator may have gone round', async (t) => {
  const c = (forks: number, lastPid: number, tasks = 1000) => ({ forks, lastPid, tasks, pidMax: 32768 });
  t.equal(reusedSince(undefined, c(1, 1)), 'any');
  const none = reusedSince(c(10, 500), c(10, 500));
  t.ok(typeof none === 'function' && !none(500) && !none(1));
  const some = reusedSince(c(10, 500), c(20, 510));
  t.ok(typeof some === 'function' && some(501) && some(510) && !some(500) && !some(511));
  const wrapped = reusedSince(c(10, 32760), c(30, 310));
  t.ok(typeof wrapped === 'function' && wrapped(32761) && wrapped(305) && !wrapped(400));
  t.equal(reusedSince(c(10, 500), c(20_000, 600)), 'any', 'enough forks to go round');
  t.equal(reusedSince(c(10, 500), c(20, 510, 32_600)), 'any', 'enough live tasks that a few forks could go round');
});

t.test('a reused pid (new start time) is read again', async (t) => {
  const proc = fakeProc(t);
  proc.put(1, 10);
  proc.put(7, 11);
  const s = new NodeScanner(300_000, proc.root);
  await s.scan();
  proc.put(7, 99, { net: 41 });
  const c = await s.scan();
  t.same(s.last, { kind: 'incremental', pids: 2, read: 1 });
  t.equal(c.namespaces.net, 2);
  t.equal(s.known(7)?.net, 41);
});

t.test('a namespace change of a live process waits for the full scan', async (t) => {
  const proc = fakeProc(t);
  proc.put(1, 10);
  proc.put(5, 11);
  let clock = 0;
  const s = new NodeScanner(300_000, proc.root, () => clock);
  await s.scan();
  // Same pid, same start time, same /proc inode: setns(2) as the kernel shows it (only the link changes).
  rmSync(join(proc.root, '5/ns/uts'));
  symlinkSync('uts:[81]', join(proc.root, '5/ns/uts'));
  clock = 299_999;
  let c = await s.scan();
  t.equal(s.last?.kind, 'incremental');
  t.equal(c.namespaces.uts, 1, 'stale until the full scan: the documented bound');
  clock = 300_000;
  c = await s.scan();
  t.equal(s.last?.kind, 'full');
  t.equal(c.namespaces.uts, 2);
  t.equal(s.known(5)?.uts, 81);
});

