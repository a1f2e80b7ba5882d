// The node counts against the real kernel: a process that unshares in place (root) is caught by the next full scan.
import t from 'tap';
import { spawn } from 'node:child_process';
import { NodeScanner } from '../../agent/discovery/counts.js';

t.test('a real process that unshares after it started: stale between full scans, caught by the next', { skip: process.getuid?.() !== 0 ? 'needs root for unshare' : false }, async (t) => {
  // It waits for a line on stdin, then unshares its UTS namespace in place (exec keeps pid and start time).
  const child = spawn('sh', ['-c', 'read x; exec unshare -u sleep 300'], { stdio: ['pipe', 'ignore', 'ignore'] });
  t.teardown(() => void child.kill('SIGKILL'));
  const pid = child.pid as number;
  const s = new NodeScanner(300_000);
  await s.scan('full');
  const before = s.known(pid)?.uts;
  t.ok(before, 'read in the full scan');
  child.stdin.write('go\n');
  // Wait until the kernel shows the new namespace (unshare ran), without a timed assertion.
  const { readlinkSync } = await import('node:fs');
  while (readlinkSync(`/proc/${pid}/ns/uts`) === `uts:[${before}]`) await new Promise((r) => setTimeout(r, 20));
  await s.scan('incremental');
  t.equal(s.known(pid)?.uts, before, 'an incremental scan keeps what it read: stale, as documented');
  await s.scan('full');
  t.not(s.known(pid)?.uts, before, 'the full scan reads the new namespace');
  t.equal(`uts:[${s.known(pid)?.uts}]`, readlinkSync(`/proc/${pid}/ns/uts`));
});
