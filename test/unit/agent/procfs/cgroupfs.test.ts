// The cgroup hierarchies from a fixture's mountinfo, and cgroup.procs read recursively, on v1 and v2 layouts.
import t from 'tap';
import { join } from 'node:path';
import { cgroupExists, cgroupHierarchies, readCgroupProcs, subdirs, walkCgroups } from '../../../../agent/procfs/cgroupfs.js';
import { procFixture } from '../../../helpers/proc-fixture.js';

t.test('v2: the one unified hierarchy, where mountinfo says it is', async (t) => {
  const fx = procFixture(t, 'v2');
  t.same(cgroupHierarchies(fx.proc), [{ mountPoint: fx.cgroupRoot, root: '/', version: 2, controllers: [] }]);
});

t.test('v1: name=systemd first, then pids, memory, cpu; tmpfs and other mounts skipped', async (t) => {
  const fx = procFixture(t, 'v1');
  t.same(cgroupHierarchies(fx.proc).map((m) => [m.mountPoint, m.version, m.controllers]), [
    [join(fx.cgroupRoot, 'systemd'), 1, ['name=systemd']],
    [join(fx.cgroupRoot, 'pids'), 1, ['pids']],
    [join(fx.cgroupRoot, 'memory'), 1, ['memory']],
    [join(fx.cgroupRoot, 'cpu,cpuacct'), 1, ['cpu', 'cpuacct']],
  ]);
});

t.test('cgroup.procs with its children (crun’s child cgroup), gone as undefined; walking skips a subtree on request', async (t) => {
  const fx = procFixture(t, 'v2');
  fx.process({ pid: 10, cgroup: '/a' }).process({ pid: 11, cgroup: '/a/b' }).process({ pid: 12, cgroup: '/a/b/c' }).process({ pid: 20, cgroup: '/z' });
  const a = join(fx.cgroupRoot, 'a');
  t.same(readCgroupProcs(a)?.sort(), [10, 11, 12]);
  t.same(readCgroupProcs(a, false), [10]);
  t.equal(readCgroupProcs(join(fx.cgroupRoot, 'nope')), undefined);
  t.ok(cgroupExists(a));
  t.notOk(cgroupExists(join(fx.cgroupRoot, 'nope')));
  t.same(subdirs(a), ['b']);
  t.same(subdirs(join(fx.cgroupRoot, 'nope')), [], 'a vanished directory has no children');
  const seen: string[] = [];
  walkCgroups(fx.cgroupRoot, (rel) => (seen.push(rel), rel === '/a/b' ? 'skip' : 'descend'));
  t.same(seen.sort(), ['/a', '/a/b', '/z']);
  const shallow: string[] = [];
  walkCgroups(fx.cgroupRoot, (rel) => (shallow.push(rel), 'descend'), 0);
  t.same(shallow.sort(), ['/a', '/z'], 'maxDepth 0: the first level only');
});
