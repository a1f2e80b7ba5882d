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
