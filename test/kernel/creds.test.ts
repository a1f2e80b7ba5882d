// readCreds against the real kernel: setpriv'd processes, a non-dumpable one, a vanished one, and the node's sysctls.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { spawnFor, waitFor } from '../helpers/lab.js';
import { readCreds, readNodeSecurity } from '../../agent/procfs/creds.js';
import { readStat } from '../../agent/procfs/proc.js';
import { decodeCaps } from '../../agent/model/creds.js';

const execed = (pid: number, comm: string) => waitFor(`exec of ${comm}`, () => (readStat(pid)?.comm === comm ? true : undefined));

t.test('ids, groups, capabilities and NoNewPrivs of a setpriv process', async (t) => {
  const p = spawnFor(t, 'setpriv', ['--reuid=1000', '--regid=1001', '--groups=4,27', '--nnp', '--inh-caps=+net_raw', '--bounding-set=-all,+net_raw,+kill', 'sleep', '1000']);
  const pid = p.pid as number;
  await execed(pid, 'sleep');
  const c = readCreds(pid);
  t.same(c.uid, { real: 1000, effective: 1000, saved: 1000, fs: 1000 });
  t.same(c.gid, { real: 1001, effective: 1001, saved: 1001, fs: 1001 });
  t.same(c.groups, [4, 27]);
  t.equal(c.noNewPrivs, true);
  t.same(decodeCaps(c.caps.inheritable), ['CAP_NET_RAW']);
  t.same(decodeCaps(c.caps.bounding), ['CAP_KILL', 'CAP_NET_RAW']);
  t.same(decodeCaps(c.caps.effective), [], 'a non-root exec keeps no effective capabilities');
  t.same(c.uidMap, [{ inside: 0, outside: 0, count: 4294967295 }]);
  t.equal(c.dumpable, 'yes');
  t.same(c.procOwner, { uid: 1000, gid: 1001 });
  // setpriv --dump of a process with the same settings, as a second opinion on the decoding.
  const dump = (await execa('setpriv', ['--reuid=1000', '--regid=1001', '--groups=4,27', '--nnp', '--inh-caps=+net_raw', '--bounding-set=-all,+net_raw,+kill', 'setpriv', '--dump'])).stdout;
  t.match(dump, /^Inheritable capabilities: net_raw$/m);
  t.match(dump, /^Capability bounding set: kill,net_raw$/m);
  t.match(dump, /^no_new_privs: 1$/m);
  t.match(dump, /^Supplementary groups: 4,27$/m);
});

t.test('a non-dumpable process: /proc files owned by root, dumpable no', { skip: existsSync('/usr/bin/gcc') ? false : 'gcc is missing' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nsinspect-nodump-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'nodump.c'), '#include <sys/prctl.h>\n#include <unistd.h>\nint main(void){prctl(PR_SET_DUMPABLE,0);for(;;)pause();}\n');
  await execa('gcc', ['-static', '-o', join(dir, 'nodump'), join(dir, 'nodump.c')]);
  const p = spawnFor(t, 'setpriv', ['--reuid=1000', '--regid=1000', '--clear-groups', join(dir, 'nodump')]);
  const pid = p.pid as number;
  await execed(pid, 'nodump');
  const c = await waitFor('prctl', () => { const r = readCreds(pid); return r.dumpable === 'no' ? r : undefined; });
  t.same(c.procOwner, { uid: 0, gid: 0 });
  t.equal(c.uid.effective, 1000);
});

t.test('a root process cannot be told dumpable or not: unknown', async (t) => {
  const p = spawnFor(t, 'sleep', ['1000']);
  await execed(p.pid as number, 'sleep');
  t.equal(readCreds(p.pid as number).dumpable, 'unknown');
});

t.test('a user namespace: its maps, as the host reads them', async (t) => {
  const u = spawnFor(t, 'unshare', ['--user', '--map-root-user', 'sleep', '1000']);
  const pid = u.pid as number;
  await execed(pid, 'sleep');
  const c = readCreds(pid);
  t.same(c.uidMap, [{ inside: 0, outside: 0, count: 1 }], 'root inside is root outside (--map-root-user by root)');
});

t.test('a vanished process is NOT_FOUND', async (t) => {
  const child = execa('sleep', ['1000'], { reject: false });
  const pid = child.pid as number;
  child.kill('SIGKILL');
  await child;
  t.throws(() => readCreds(pid), { code: 'NOT_FOUND', message: new RegExp(`^reading credentials of pid ${pid}: the process exited`) });
});

t.test('the node: Yama and perf_event_paranoid as the sysctls say', async (t) => {
  const n = readNodeSecurity();
  const yama = '/proc/sys/kernel/yama/ptrace_scope';
  t.equal(n.yama, existsSync(yama));
  if (n.yama) t.equal(n.ptraceScope, Number(readFileSync(yama, 'utf8')));
  t.equal(n.perfEventParanoid, Number(readFileSync('/proc/sys/kernel/perf_event_paranoid', 'utf8')));
});
