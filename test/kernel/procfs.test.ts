// procfs readers against the real kernel: unshare'd namespaces, NSpid chains, vanished, zombie and EACCES processes.
import t from 'tap';
import { execa } from 'execa';
import { childrenOf, spawnFor, statNamespaces, waitFor } from '../helpers/lab.js';
import { readCmdline, readNamespaces, readProcess, readStat, readStatus, listPids } from '../../agent/procfs/proc.js';
import { spawn } from 'node:child_process';
import { Engine } from '../../agent/inspect/engine.js';
import { hostNamespaces } from '../../agent/discovery/host.js';
import { NS_TYPES } from '../../agent/model/types.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;

t.test('every type of an unshare process matches stat(2)', async (t) => {
  const u = spawnFor(t, 'unshare', ['--fork', '--pid', '--mount-proc', '--net', '--uts', '--ipc', '--cgroup', '--time', '--user', '--map-root-user', 'sleep', '1000']);
  const pid = await waitFor('the unshared sleep', () => childrenOf(u.pid as number)[0]);
  await waitFor('exec of sleep', () => (readStat(pid)?.comm === 'sleep' ? true : undefined));
  const r = readNamespaces(pid);
  t.equal(r.unreadable, undefined);
  t.same(r.namespaces, statNamespaces(pid), 'inodes equal stat(2) st_ino');
  const host = hostNamespaces();
  for (const type of NS_TYPES) t.not(r.namespaces[type], host[type], `${type} is not the host's`);
  const p = readProcess(pid);
  t.same(p?.nspid, [pid, 1], 'NSpid: host PID, then 1 in the new pid namespace');
  t.equal(p?.comm, 'sleep');
  t.same(p?.cmdline, ['sleep', '1000']);
  t.equal(p?.uid, 0);
});

t.test('a process that is gone is an ordinary outcome', async (t) => {
  const child = execa('sleep', ['1000'], { reject: false });
  const pid = child.pid as number;
  child.kill('SIGKILL');
  await child;
  t.same(readNamespaces(pid), { namespaces: {}, unreadable: 'gone' });
  t.equal(readProcess(pid), undefined);
  t.throws(() => new Engine().pidSubject(pid), { code: 'NOT_FOUND' });
});

t.test('a zombie has a stat but lost most namespaces', async (t) => {
  // The inner sleep exits at once; its parent execs into a sleep that never reaps it.
  const sh = spawnFor(t, 'sh', ['-c', 'sleep 0 & exec sleep 1000']);
  const zombie = await waitFor('a zombie', () => childrenOf(sh.pid as number).find((p) => readStat(p)?.state === 'Z'));
  t.equal(readStat(zombie)?.state, 'Z');
  const r = readNamespaces(zombie);
  // The kernel drops a zombie's nsproxy (mnt, net, ipc, uts...); what remains is reported, the rest absent.
  t.equal(r.namespaces.net, undefined);
  t.equal(r.namespaces.mnt, undefined);
  t.same(r.namespaces, statNamespaces(zombie), 'exactly what stat(2) can still see');
  t.doesNotThrow(() => new Engine().lsns());
});

t.test('EACCES on ns links, even as root, is reported per process', async (t) => {
  // Root without CAP_SYS_PTRACE may not read another user's ns links: the kernel says EACCES.
  const victim = spawnFor(t, 'setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sleep', '1000']);
  const pid = victim.pid as number;
  await waitFor('setpriv exec', () => (readStat(pid)?.comm === 'sleep' ? true : undefined));
  const r = await execa('setpriv', ['--bounding-set=-sys_ptrace', '--inh-caps=-sys_ptrace', process.execPath, CLI, 'whois', '-o', 'json', String(pid)], { reject: false });
  t.equal(r.exitCode, 0, r.stderr);
  const w = JSON.parse(r.stdout) as { unreadable?: string; namespaces: object };
  t.equal(w.unreadable, 'denied');
  t.same(w.namespaces, {});
  const inv = await execa('setpriv', ['--bounding-set=-sys_ptrace', '--inh-caps=-sys_ptrace', process.execPath, CLI, 'lsns', '-o', 'json'], { reject: false });
  t.equal(inv.exitCode, 0, 'lsns goes on past the unreadable process');
  if (readNamespaces(1).unreadable === 'denied') t.pass('this host also denies /proc/1/ns/*, and readNamespaces(1) did not throw');
});

t.test('processes exiting mid-scan never break the inventory', async (t) => {
  const churn = [0].map(() => spawnFor(t, 'sh', ['-c', 'while :; do sleep 0 & sleep 0 & wait; done']));
  t.ok(churn.every((c) => c.pid !== undefined));
  const engine = new Engine();
  for (let i = 0; i < 5; i++) {
    const inv = engine.lsns();
    t.ok(inv.length > 0);
    t.ok(inv.every((n) => n.nprocs >= 1 && n.pid > 0));
  }
  t.ok(listPids().length > 0);
});

// readProcess, ps's one-pass read, against the full parsers over every process on this machine.
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
