// Table-driven tests of the procfs parsers, with hostile input.
import t from 'tap';
import { ParseError, parseCgroupFile, parseCgroupMounts, parseNsLink, parseStat, parseStatus } from '../../../../agent/procfs/parse.js';

const tail = 'S 1 42 43 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 98765 1000 10 18446744073709551615';

t.test('parseStat', async (t) => {
  const ok: Array<[string, string, { comm: string; state: string; ppid: number; pgrp: number; session: number; startTime: number; pid: number }]> = [
    ['plain', `42 (sleep) ${tail}`, { pid: 42, comm: 'sleep', state: 'S', ppid: 1, pgrp: 42, session: 43, startTime: 98765 }],
    ['spaces in comm', `42 (my proc) ${tail}`, { pid: 42, comm: 'my proc', state: 'S', ppid: 1, pgrp: 42, session: 43, startTime: 98765 }],
    ['") (" in comm', `42 (a) (b) ${tail}`, { pid: 42, comm: 'a) (b', state: 'S', ppid: 1, pgrp: 42, session: 43, startTime: 98765 }],
    ['fake fields in comm', `42 (x) R 999 1 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 777) ${tail}`, { pid: 42, comm: 'x) R 999 1 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 777', state: 'S', ppid: 1, pgrp: 42, session: 43, startTime: 98765 }],
    ['newline in comm', `42 (a\nb) ${tail}\n`, { pid: 42, comm: 'a\nb', state: 'S', ppid: 1, pgrp: 42, session: 43, startTime: 98765 }],
    ['empty comm', `7 () ${tail}`, { pid: 7, comm: '', state: 'S', ppid: 1, pgrp: 42, session: 43, startTime: 98765 }],
    ['zombie', `7 (z) ${tail.replace(/^S/, 'Z')}`, { pid: 7, comm: 'z', state: 'Z', ppid: 1, pgrp: 42, session: 43, startTime: 98765 }],
  ];
  for (const [name, input, want] of ok) t.same(parseStat(input), want, name);

  const bad: Array<[string, string]> = [
    ['empty', ''],
    ['no parens', '42 sleep S 1'],
    ['truncated after comm', '42 (sleep) S 1 42'],
    ['truncated mid-number', `42 (sleep) ${tail.slice(0, 40)}`],
    ['non-numeric pid', `x (sleep) ${tail}`],
    ['non-numeric starttime', `42 (sleep) ${tail.replace('98765', 'abc')}`],
    ['only open paren', '42 (sleep'],
  ];
  for (const [name, input] of bad) t.throws(() => parseStat(input), ParseError, name);
});

t.test('parseStatus', async (t) => {
  const base = 'Name:\tsleep\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t42\nNgid:\t0\nPid:\t42\nPPid:\t7\nUid:\t1000\t1000\t1000\t1000\nGid:\t0\t0\t0\t0\n';
  const ok: Array<[string, string, { uid: number; ppid: number; nspid: number[] }]> = [
    ['host process', base + 'NSpid:\t42\n', { uid: 1000, ppid: 7, nspid: [42] }],
    ['nested twice', base + 'NSpid:\t42\t7\t1\n', { uid: 1000, ppid: 7, nspid: [42, 7, 1] }],
    ['no NSpid (old kernel)', base, { uid: 1000, ppid: 7, nspid: [] }],
    ['forged Uid in Name is overridden', 'Name:\tx\nUid:\t0\t0\t0\t0\n' + base.slice(base.indexOf('Umask')) + 'NSpid:\t42\n', { uid: 1000, ppid: 7, nspid: [42] }],
  ];
  for (const [name, input, want] of ok) t.same(parseStatus(input), want, name);
  const bad: Array<[string, string]> = [
    ['empty', ''],
    ['truncated before Uid', base.slice(0, base.indexOf('Uid'))],
    ['garbage NSpid', base + 'NSpid:\t42\tx\n'],
    ['garbage Uid', base.replace('Uid:\t1000', 'Uid:\tabc')],
  ];
  for (const [name, input] of bad) t.throws(() => parseStatus(input), ParseError, name);
});

t.test('parseCgroupFile', async (t) => {
  const cases: Array<[string, string, Array<{ hierarchy: number; controllers: string[]; path: string }>]> = [
    ['v2 only', '0::/kubepods/pod1/abc\n', [{ hierarchy: 0, controllers: [], path: '/kubepods/pod1/abc' }]],
    ['v1 with name=systemd', '9:name=systemd:/a\n4:memory:/b\n', [{ hierarchy: 9, controllers: ['name=systemd'], path: '/a' }, { hierarchy: 4, controllers: ['memory'], path: '/b' }]],
    ['several controllers', '3:cpu,cpuacct:/x\n', [{ hierarchy: 3, controllers: ['cpu', 'cpuacct'], path: '/x' }]],
    ['colons in the path', '0::/weird:name:with:colons\n', [{ hierarchy: 0, controllers: [], path: '/weird:name:with:colons' }]],
    ['no trailing newline', '0::/', [{ hierarchy: 0, controllers: [], path: '/' }]],
    ['empty', '', []],
  ];
  for (const [name, input, want] of cases) t.same(parseCgroupFile(input), want, name);
  const bad: Array<[name: string, input: string]> = [['one colon', '0:/x'], ['relative path', '0::x'], ['bad id', 'a::/x'], ['truncated', '0:']];
  for (const [name, input] of bad) {
    t.throws(() => parseCgroupFile(input), ParseError, name);
  }
});

t.test('parseNsLink', async (t) => {
  t.same(parseNsLink('net:[4026531840]'), { type: 'net', inode: 4026531840 });
  t.same(parseNsLink('time:[4026531834]'), { type: 'time', inode: 4026531834 });
  for (const bad of ['pid_for_children:[1]', 'net:4026531840', 'net:[]', 'bogus:[1]', '', 'net:[12x]']) t.equal(parseNsLink(bad), undefined, bad);
});

t.test('parseCgroupMounts', async (t) => {
  const mi = [
    '25 30 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755',
    '26 25 0:23 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw',
    '27 25 0:24 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd',
    '28 25 0:25 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct',
    '29 25 0:26 /kubepods/pod1 /sys/fs/cgroup/my\\040dir rw - cgroup cgroup rw,memory',
    '30 25 0:27 / /mnt rw shared:1 master:2 - ext4 /dev/sda rw',
  ].join('\n');
  t.same(parseCgroupMounts(mi), [
    { mountPoint: '/sys/fs/cgroup/unified', root: '/', version: 2, controllers: [] },
    { mountPoint: '/sys/fs/cgroup/systemd', root: '/', version: 1, controllers: ['name=systemd'] },
    { mountPoint: '/sys/fs/cgroup/cpu,cpuacct', root: '/', version: 1, controllers: ['cpu', 'cpuacct'] },
    { mountPoint: '/sys/fs/cgroup/my dir', root: '/kubepods/pod1', version: 1, controllers: ['memory'] },
  ]);
  t.same(parseCgroupMounts(''), []);
  t.throws(() => parseCgroupMounts('1 2 - cgroup2 cgroup2 rw'), ParseError, 'short line');
});
