// The procfs readers over a fixture /proc tree: each reads the root it is given (the real kernel: test/kernel/procfs.test.ts).
import t from 'tap';
import { listPids, readBootTime, readCgroupLines, readCmdline, readNamespaces, readOwnerUid, readPidCounters, readProcess, readStartTime, readStat, readStatus } from '../../../../agent/procfs/proc.js';
import { HOST_NS, procFixture } from '../../../helpers/proc-fixture.js';

t.test('over a fixture /proc: each reader reads the root it is given', async (t) => {
  const fx = procFixture(t, 'v1');
  fx.process({ pid: 7, ppid: 3, comm: 'a (b) c', cmdline: ['x', '', 'y z'], uid: 1000, start: 4242, nspid: [7, 1], cgroup: '/kubepods/pod1/x', ns: { net: 4026532001, time: null } });
  fx.process({ pid: 2, ppid: 0, comm: 'kthreadd', cmdline: [] });
  const root = fx.proc;
  t.same(listPids(root), [2, 7], 'numeric entries only, ascending (self is no pid)');
  t.match(readStat(7, root), { pid: 7, comm: 'a (b) c', ppid: 3, state: 'S', startTime: 4242 }, 'comm with spaces and parens');
  t.equal(readStartTime(7, root), 4242);
  t.same(readStatus(7, root), { uid: 1000, ppid: 3, nspid: [7, 1] });
  t.same(readCmdline(7, root), ['x', '', 'y z'], 'empty arguments kept');
  t.same(readCmdline(2, root), [], 'a kernel thread: no arguments');
  t.same(readProcess(7, root), { pid: 7, ppid: 3, uid: 1000, state: 'S', comm: 'a (b) c', cmdline: ['x', '', 'y z'], startTime: 4242, nspid: [7, 1] });
  t.same(readCgroupLines(7, root)?.map((l) => [l.controllers, l.path]), [[['pids'], '/kubepods/pod1/x'], [['memory'], '/kubepods/pod1/x'], [['cpu', 'cpuacct'], '/kubepods/pod1/x'], [['name=systemd'], '/kubepods/pod1/x']]);
  const { time: _none, ...rest } = { ...HOST_NS, net: 4026532001 };
  t.same(readNamespaces(7, undefined, root), { namespaces: rest }, 'dangling links are read; a type the kernel lacks is absent');
  t.same(readNamespaces(99, undefined, root), { namespaces: {}, unreadable: 'gone' });
  t.equal(readStat(99, root), undefined, 'a pid that is gone');
  t.equal(readOwnerUid(7, root), process.getuid?.(), 'the owner of its directory');
  t.equal(readBootTime(root), 1767225600);
  t.equal(readPidCounters(root), undefined, 'no loadavg: no counters');
});
