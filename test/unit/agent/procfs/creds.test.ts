// Table-driven tests of the credential parsers and the dumpable derivation, over fixture text.
import t from 'tap';
import { deriveDumpable, lsmOf, parseIdMap, parseStatusCreds } from '../../../../agent/procfs/creds.js';
import { capBit, decodeCaps, mapIn, mapOut } from '../../../../agent/model/creds.js';
import { ParseError } from '../../../../agent/procfs/parse.js';

const status = (over: Record<string, string> = {}): string => {
  const lines: Record<string, string> = {
    Name: 'sleep', Umask: '0022', State: 'S (sleeping)', Tgid: '42', Pid: '42', PPid: '1',
    Uid: '1000\t1001\t1002\t1003', Gid: '2000\t2001\t2002\t2003', Groups: '4 27 1000 ', NSpid: '42\t1',
    CapInh: '0000000000000000', CapPrm: '00000000a80425fb', CapEff: '00000000a80425fb', CapBnd: '00000000a80425fb', CapAmb: '0000000000000000',
    NoNewPrivs: '1', Seccomp: '2', Seccomp_filters: '3', ...over,
  };
  return Object.entries(lines).filter(([, v]) => v !== '<absent>').map(([k, v]) => `${k}:\t${v}`).join('\n') + '\n';
};

t.test('parseStatusCreds', async (t) => {
  const s = parseStatusCreds(status());
  t.same(s.uid, { real: 1000, effective: 1001, saved: 1002, fs: 1003 });
  t.same(s.gid, { real: 2000, effective: 2001, saved: 2002, fs: 2003 });
  t.same(s.groups, [4, 27, 1000]);
  t.equal(s.caps.permitted, 0xa80425fbn);
  t.equal(s.caps.inheritable, 0n);
  t.equal(s.noNewPrivs, true);
  t.equal(s.seccomp, 2);
  t.equal(s.seccompFilters, 3);

  const cases: Array<[string, Record<string, string>, (s: ReturnType<typeof parseStatusCreds>) => unknown, unknown]> = [
    ['no groups', { Groups: '' }, (s) => s.groups, []],
    ['every bit of a 64-bit mask', { CapBnd: 'ffffffffffffffff' }, (s) => s.caps.bounding, 0xffffffffffffffffn],
    ['no CapAmb (kernel < 4.3) is empty', { CapAmb: '<absent>' }, (s) => s.caps.ambient, 0n],
    ['no Seccomp line (kernel without seccomp)', { Seccomp: '<absent>', Seccomp_filters: '<absent>' }, (s) => [s.seccomp, s.seccompFilters], [undefined, undefined]],
    ['NoNewPrivs 0', { NoNewPrivs: '0' }, (s) => s.noNewPrivs, false],
    ['NSpid of two levels', {}, (s) => s.pidDepth, 2],
    ['no NSpid (kernel < 4.1): the host\'s pid namespace', { NSpid: '<absent>' }, (s) => s.pidDepth, 1],
    ['NSpid of three levels', { NSpid: '42\t7\t1' }, (s) => s.pidDepth, 3],
    ['a comm smuggling a Uid line loses to the real one', { Name: 'x\nUid:\t0\t0\t0\t0' }, (s) => s.uid.real, 1000],
    ['overflow uid 65534', { Uid: '65534\t65534\t65534\t65534' }, (s) => s.uid.fs, 65534],
    ['largest uid', { Uid: '4294967294\t0\t0\t0' }, (s) => s.uid.real, 4294967294],
  ];
  for (const [name, over, get, want] of cases) t.same(get(parseStatusCreds(status(over))), want, name);

  const bad: Array<[string, Record<string, string>]> = [
    ['no Uid', { Uid: '<absent>' }],
    ['no Gid', { Gid: '<absent>' }],
    ['three uid fields', { Uid: '1 2 3' }],
    ['negative uid', { Uid: '-1\t0\t0\t0' }],
    ['non-hex cap', { CapEff: 'zz' }],
    ['17-digit cap', { CapEff: '1ffffffffffffffff' }],
    ['no CapEff', { CapEff: '<absent>' }],
    ['seccomp mode 3', { Seccomp: '3' }],
    ['bad group', { Groups: '1 x' }],
  ];
  for (const [name, over] of bad) t.throws(() => parseStatusCreds(status(over)), ParseError, name);
});

t.test('parseIdMap', async (t) => {
  t.same(parseIdMap('         0          0 4294967295\n'), [{ inside: 0, outside: 0, count: 4294967295 }], 'the initial namespace');
  t.same(parseIdMap('         0     100000      65536\n      65536    1000000         10\n'), [
    { inside: 0, outside: 100000, count: 65536 },
    { inside: 65536, outside: 1000000, count: 10 },
  ], 'two ranges');
  t.same(parseIdMap(''), [], 'unmapped (a user namespace before its map is written)');
  for (const bad of ['0 0', '0 0 x', 'a b c', '0 0 1 2']) t.throws(() => parseIdMap(bad), ParseError, JSON.stringify(bad));
});

t.test('id translation both ways', async (t) => {
  const map = [{ inside: 0, outside: 100000, count: 65536 }];
  const cases: Array<[string, number | undefined, number | undefined]> = [
    ['inside 0 is host 100000', mapOut(0, map), 100000],
    ['inside 1000 is host 101000', mapOut(1000, map), 101000],
    ['inside 65536 is unmapped', mapOut(65536, map), undefined],
    ['host 101000 is inside 1000', mapIn(101000, map), 1000],
    ['host 0 is unmapped inside', mapIn(0, map), undefined],
  ];
  for (const [name, got, want] of cases) t.equal(got, want, name);
});

t.test('capabilities decode by name, unknown bits as cap_N', async (t) => {
  t.same(decodeCaps(0n), []);
  t.same(decodeCaps(0xa80425fbn), [
    'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP',
    'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SYS_CHROOT', 'CAP_MKNOD', 'CAP_AUDIT_WRITE', 'CAP_SETFCAP',
  ], 'docker/containerd defaults');
  t.same(decodeCaps(1n << 40n), ['CAP_CHECKPOINT_RESTORE'], 'bit 40, the last named');
  t.same(decodeCaps((1n << 41n) | (1n << 63n)), ['cap_41', 'cap_63'], 'bits past 40');
  t.equal(capBit('SYS_PTRACE'), 19);
  t.equal(capBit('cap_net_raw'), 13);
  t.equal(capBit('CAP_NOPE'), undefined);
});

t.test('dumpable from the owner of /proc/<pid>/status', async (t) => {
  const q = (n: number) => ({ real: n, effective: n, saved: n, fs: n });
  const host = [{ inside: 0, outside: 0, count: 4294967295 }];
  const userns = [{ inside: 0, outside: 100000, count: 65536 }];
  const cases: Array<[string, { uid: number; gid: number }, number, number, typeof host, string]> = [
    ['owned by its euid: dumpable', { uid: 1000, gid: 1000 }, 1000, 1000, host, 'yes'],
    ['owned by root, euid 1000: not dumpable', { uid: 0, gid: 0 }, 1000, 1000, host, 'no'],
    ['root target: cannot be told', { uid: 0, gid: 0 }, 0, 0, host, 'unknown'],
    ['root uid, other egid, owned by root:root: not dumpable', { uid: 0, gid: 0 }, 0, 5, host, 'no'],
    ['userns, owned by its euid', { uid: 101000, gid: 101000 }, 101000, 101000, userns, 'yes'],
    ['userns, owned by the namespace root: not dumpable', { uid: 100000, gid: 100000 }, 101000, 101000, userns, 'no'],
    ['userns root target: cannot be told', { uid: 100000, gid: 100000 }, 100000, 100000, userns, 'unknown'],
    ['owner matches neither (raced a setuid)', { uid: 7, gid: 7 }, 1000, 1000, host, 'unknown'],
  ];
  for (const [name, owner, uid, gid, map, want] of cases) t.equal(deriveDumpable(owner, q(uid), q(gid), map, map), want, name);
});

t.test('lsmOf', async (t) => {
  const cases: Array<[string, string]> = [
    ['unconfined', 'apparmor'],
    ['cri-containerd.apparmor.d (enforce)', 'apparmor'],
    ['system_u:system_r:container_t:s0:c1,c2', 'selinux'],
    ['_', 'other'],
  ];
  for (const [label, want] of cases) t.equal(lsmOf(label), want, label);
});
