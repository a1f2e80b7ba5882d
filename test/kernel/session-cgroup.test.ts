// Session cgroups on the real kernel: joined before the command runs, limits written, killed as a unit by each method this host has.
import t, { type Test } from 'tap';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { type HierarchyKind, SessionCgroups } from '../../agent/procfs/session-cgroup.js';
import { joinArgv } from '../../agent/exec/contain.js';
import { programOf } from '../../agent/exec/run.js';
import { waitFor } from '../helpers/lab.js';

const limits = { memoryMaxBytes: 64 * 1024 * 1024, pidsMax: 64 };

function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

const cases: Array<{ name: string; only: HierarchyKind[]; kill: string }> = [
  { name: 'cgroup v2: cgroup.kill', only: ['v2', 'memory', 'pids'], kill: 'cgroup.kill' },
  { name: 'cgroup v1: the freezer walk', only: ['memory', 'pids', 'freezer'], kill: 'freezer' },
  { name: 'no freezer, no v2: SIGKILL walk of cgroup.procs', only: ['pids'], kill: 'procs' },
];

/** The cgroup v2 hierarchy of this machine: /sys/fs/cgroup (pure v2) or its hybrid "unified" mount. */
function v2Root(): string | undefined {
  const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => / - cgroup2 /.test(l));
  return line?.split(' ')[4];
}

/** A directory given to the agent for its sessions, as the DaemonSet's nsinspect-exec: made here, removed at teardown. */
function dedicatedDir(t: Test): string | undefined {
  const root = v2Root();
  if (!root) return undefined;
  const dir = join(root, `nsinspect-exec-test-${randomBytes(6).toString('hex')}`);
  mkdirSync(dir);
  t.teardown(() => {
    if (existsSync(dir)) rmdirSync(dir);
  });
  return dir;
}

for (const c of [...cases, { name: 'a dedicated cgroup v2 directory (the DaemonSet\'s): cgroup.kill', only: ['v2'] as HierarchyKind[], kill: 'cgroup.kill', dir: true }]) {
  t.test(c.name, async (t) => {
    let cgs: SessionCgroups;
    if ('dir' in c) {
      const dir = dedicatedDir(t);
      if (!dir) return t.skip('no cgroup v2 hierarchy on this machine', () => undefined);
      cgs = SessionCgroups.setupDir(limits, dir);
      t.same(cgs.info.bases, [dir], 'sessions directly under the directory given');
      t.same(cgs.info.problems, []);
    } else cgs = SessionCgroups.setup(limits, '/', c.only);
    if (cgs.info.kill !== c.kill) return t.skip(`this host offers ${cgs.info.kill} for ${c.only.join(', ')}`, () => undefined);
    const name = `s-${process.pid}-${Math.random().toString(16).slice(2, 14).padEnd(12, '0')}`;
    const s = cgs.create(name);
    if (!s) throw new Error('no session cgroup');
    t.teardown(async () => {
      await s.kill();
      await s.remove();
    });
    for (const base of cgs.info.bases) {
      if (base.includes('/pids/')) t.equal(readFileSync(join(base, name, 'pids.max'), 'utf8').trim(), '64', 'pids.max written');
      if (base.includes('/memory/')) t.equal(readFileSync(join(base, name, 'memory.limit_in_bytes'), 'utf8').trim(), String(64 * 1024 * 1024), 'memory limit written');
    }
    // A leader that prints its own cgroup from inside, then leaves daemons behind: setsid, a double
    // fork, a busy forker, and exits. Their output goes nowhere (exec, not a redirected { }: dash keeps
    // the original fds open in a group's background jobs), or they would hold our pipe open.
    const script = 'cat /proc/self/cgroup; exec >/dev/null 2>&1 </dev/null; setsid sleep 1000 & (setsid sh -c "sleep 1001 &" &); (while :; do sleep 1002 & wait; done) & sleep 0.3';
    const [file, args] = programOf(joinArgv(s.procsFiles, ['sh', '-c', script]));
    const r = await execa(file, args, { reject: false, timeout: 20_000 });
    t.equal(r.exitCode, 0, r.stderr);
    const inside = r.stdout.split('\n').filter((l) => l.includes(name));
    t.ok(inside.length >= c.only.length, `the leader was in the session cgroup before its first command ran: ${inside.join(' | ')}`);
    const left = s.members();
    t.ok(left.length >= 3, `${left.length} processes outlived the leader, all in the session cgroup`);
    await s.kill();
    t.same(s.members(), [], 'killed as a unit: nothing left in the cgroup');
    await waitFor('every process gone', () => (left.every((p) => !alive(p)) ? true : undefined), 5000);
    await s.remove();
    t.ok(cgs.info.bases.every((b) => !existsSync(join(b, name))), 'the session cgroups are removed');
  });
}

t.test('a dedicated directory that is no cgroup v2 directory: no sessions cgroups, the reason said', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nsi-notcg-'));
  t.teardown(() => rmdirSync(dir));
  const cgs = SessionCgroups.setupDir(limits, dir);
  t.equal(cgs.info.kill, 'none');
  t.match(cgs.info.problems.join(' '), /is not a cgroup v2 directory/);
  t.equal(cgs.create('s-1-abc'), undefined, 'create gives nothing, so the /proc walk is used');
});

t.test('a write to cgroup.procs that fails stops the session before its command runs', async (t) => {
  const r = await execa('/bin/sh', joinArgv(['/sys/fs/cgroup/nonexistent-nsinspect/cgroup.procs'], ['echo', 'ran']).slice(1), { reject: false });
  t.equal(r.exitCode, 125);
  t.equal(r.stdout, '', 'the command never ran');
});
