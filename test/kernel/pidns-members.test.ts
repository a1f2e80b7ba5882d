// pidNsMembers against the real kernel: a shell in a new pid namespace (unshare -p, root), sleepers joining and leaving.
import t from 'tap';

t.test('pidNsMembers stays exact across calls: joiners, leavers and a new namespace', { skip: process.getuid?.() !== 0 ? 'needs root for unshare -p' : false }, async (t) => {
  const { spawn } = await import('node:child_process');
  const { readlinkSync } = await import('node:fs');
  const { pidNsMembers } = await import('../../agent/discovery/pidns-members.js');
  const inode = (pid: number): number => Number(readlinkSync(`/proc/${pid}/ns/pid`).slice(5, -1));
  // A shell in a new pid namespace that starts a sleeper per line read and kills them on "k".
  const ns = spawn('unshare', ['-p', '-f', 'sh', '-c', 'while read l; do if [ "$l" = k ]; then kill $p; wait; else sleep 300 & p="$p $!"; fi; done'], { stdio: ['pipe', 'ignore', 'ignore'] });
  t.teardown(() => void ns.kill('SIGKILL'));
  const settle = () => new Promise((r) => setTimeout(r, 300));
  await settle();
  const { execFileSync } = await import('node:child_process');
  const shell = Number(execFileSync('pgrep', ['-P', String(ns.pid)]).toString().trim());
  const target = inode(shell);
  t.not(target, inode(process.pid));
  t.same(pidNsMembers(target), [shell], 'the shell alone');
  ns.stdin.write('s\ns\n');
  await settle();
  const two = pidNsMembers(target);
  t.equal(two.length, 3, 'two sleepers joined');
  t.ok(two.every((p) => inode(p) === target));
  ns.stdin.write('k\n');
  await settle();
  t.same(pidNsMembers(target), [shell], 'the sleepers left');
  t.same(pidNsMembers(inode(process.pid)).includes(process.pid), true, 'another namespace asked next: still exact');
  t.same(pidNsMembers(target), [shell]);
});
