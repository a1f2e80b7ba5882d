// readProcess, ps's one-pass read, against the full parsers over every process on this machine.
import t from 'tap';
import { spawn } from 'node:child_process';
import { listPids, readCmdline, readProcess, readStat, readStatus } from '../../../../agent/procfs/proc.js';

t.test('readProcess gives what stat, status and cmdline read in full give, for every process', async (t) => {
  // One in a new pid namespace, so NSpid has two entries.
  const kid = spawn('unshare', ['-p', '-f', 'sleep', '300'], { stdio: 'ignore' });
  t.teardown(() => void kid.kill('SIGKILL'));
  await new Promise((r) => setTimeout(r, 300));
  let compared = 0;
  let nested = 0;
  for (const pid of listPids()) {
    const stat = readStat(pid);
    const status = readStatus(pid);
    const cmdline = readCmdline(pid);
    const p = readProcess(pid);
    if (!stat || !status || !cmdline || !p) continue; // exited meanwhile
    if (stat.startTime !== p.startTime) continue; // pid reused meanwhile
    // The run state changes between two reads of a live process (R, S): only its form is compared.
    t.match(p.state, /^[A-Za-z]$/, `pid ${pid}: a state letter`);
    t.same({ ...p, state: stat.state }, { pid, ppid: stat.ppid, uid: status.uid, state: stat.state, comm: stat.comm, cmdline, startTime: stat.startTime, nspid: status.nspid.length > 0 ? status.nspid : [pid] }, `pid ${pid}`);
    compared++;
    if (p.nspid.length > 1) nested++;
  }
  t.ok(compared > 10, `compared ${compared} processes`);
  t.ok(nested >= 1, 'at least one in a nested pid namespace');
});

t.test('over a fixture /proc: each reader reads the root it is given', async (t) => {
  const { procFixture, HOST_NS } = await import('../../../helpers/proc-fixture.js');
  const { readBootTime, readCgroupLines, readNamespaces, readOwnerUid, readPidCounters, readStartTime } = await import('../../../../agent/procfs/proc.js');
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
