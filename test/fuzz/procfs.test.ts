// Property-based tests of the procfs parsers: stat, status, cgroup lines, ns links, mountinfo.
import t from 'tap';
import fc from 'fast-check';
import { ParseError, parseCgroupFile, parseCgroupMounts, parseNsLink, parseStat, parseStatus } from '../../agent/procfs/parse.js';
import { NS_TYPES } from '../../agent/model/types.js';
import { deepStrictEqual } from 'node:assert/strict';
import { check, chars, hostile } from './fc.js';

/** Runs f; a thrown error must be a ParseError (anything else fails the property). */
function parsesOrParseError<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (err) {
    if (err instanceof ParseError) return undefined;
    throw err;
  }
}

const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
const safe = fc.maxSafeNat();
const pidArb = fc.integer({ min: 1, max: 4194304 });

t.test('parseStat: any comm, field 22 comes back', async (t) => {
  const stat = fc.record({
    pid: pidArb,
    // The kernel caps comm at 15 bytes; the parser must not care: any text, parens and newlines included.
    comm: fc.oneof(chars('() \n)x(a) S 1 2', 0, 40), fc.string({ unit: 'binary', maxLength: 40 })),
    state: fc.constantFrom(...'RSDZTtXxKWPI'),
    ppid: fc.integer({ min: 0, max: 4194304 }),
    pgrp: fc.integer({ min: 0, max: 4194304 }),
    session: fc.integer({ min: 0, max: 4194304 }),
    middle: fc.array(u64, { minLength: 15, maxLength: 15 }), // fields 7..21
    startTime: safe,
    after: fc.array(u64, { maxLength: 30 }), // fields 23.. (52 on current kernels)
    newline: fc.boolean(),
  });
  check(
    t,
    'stat round trip',
    fc.property(stat, (s) => {
      const text = `${s.pid} (${s.comm}) ${[s.state, s.ppid, s.pgrp, s.session, ...s.middle, s.startTime, ...s.after].join(' ')}${s.newline ? '\n' : ''}`;
      const got = parseStat(text);
      deepStrictEqual(got, { pid: s.pid, comm: s.comm, state: s.state, ppid: s.ppid, pgrp: s.pgrp, session: s.session, startTime: s.startTime });
    }),
    1,
  );

  // Any prefix that stops before field 22 is incomplete: ParseError, never a half-filled answer.
  check(
    t,
    'stat truncated before field 22',
    fc.property(pidArb, fc.string({ maxLength: 20 }), fc.integer({ min: 0, max: 18 }), (pid, comm, keep) => {
      const fields = ['S', '1', ...Array(17).fill('0'), '98765', '0'].slice(0, keep + 1);
      return parsesOrParseError(() => parseStat(`${pid} (${comm}) ${fields.join(' ')}`)) === undefined;
    }),
    0.5,
  );

  // Arbitrary text: a result whose numbers are exact, or a ParseError.
  check(
    t,
    'stat arbitrary text',
    fc.property(fc.oneof(hostile(200), fc.array(fc.oneof(u64, fc.constantFrom('(', ')', 'S', '-1', '007', '1e3')), { maxLength: 30 }).map((a) => a.join(' '))), (text) => {
      const got = parsesOrParseError(() => parseStat(text));
      if (got === undefined) return true;
      return [got.pid, got.ppid, got.pgrp, got.session, got.startTime].every((n) => Number.isSafeInteger(n) && n >= 0) && text.includes(`(${got.comm})`);
    }),
    2,
  );
  t.throws(() => parseStat(`42 (x) S 1 ${'0 '.repeat(17)}18446744073709551615 0`), ParseError, 'a start time beyond 2^53 is an error, not a rounded number');
});

t.test('parseStatus: Uid, PPid and NSpid come back whatever the order and the Name', async (t) => {
  const status = fc.record({
    name: fc.string({ unit: 'binary', maxLength: 30 }).map((s) => s.replaceAll('\n', '\\n')), // the kernel escapes \n in Name
    uid: fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { minLength: 4, maxLength: 4 }),
    ppid: fc.integer({ min: 0, max: 4194304 }),
    nspid: fc.option(fc.array(pidArb, { minLength: 1, maxLength: 5 }), { nil: undefined }),
    others: fc.array(fc.tuple(chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz', 1, 16), fc.string({ maxLength: 30 }).map((s) => s.replaceAll('\n', ' '))), { maxLength: 40 }),
    sep: fc.constantFrom('\t', ' ', '\t\t'),
  });
  check(
    t,
    'status round trip',
    fc.property(status, (s) => {
      const known = new Set(['Uid', 'PPid', 'NSpid']);
      const lines = [
        `Name:\t${s.name}`,
        ...s.others.filter(([k]) => !known.has(k)).map(([k, v]) => `${k}:\t${v}`),
        `PPid:\t${s.ppid}`,
        `Uid:\t${s.uid.join(s.sep)}`,
        ...(s.nspid ? [`NSpid:\t${s.nspid.join(s.sep)}`] : []),
      ];
      const got = parseStatus(lines.join('\n') + '\n');
      return got.uid === s.uid[0] && got.ppid === s.ppid && JSON.stringify(got.nspid) === JSON.stringify(s.nspid ?? []);
    }),
    1,
  );
  check(
    t,
    'status arbitrary lines',
    fc.property(fc.array(fc.oneof(hostile(40), fc.constantFrom('Uid:\t0', 'PPid:\t1', 'NSpid:\t1 2', 'Uid:', 'NSpid:\t', 'PPid:\t-1', 'Uid:\t99999999999999999999')), { maxLength: 12 }), (ls) => {
      const got = parsesOrParseError(() => parseStatus(ls.join('\n')));
      return got === undefined || [got.uid, got.ppid, ...got.nspid].every((n) => Number.isSafeInteger(n) && n >= 0);
    }),
    2,
  );
});

t.test('parseCgroupFile: paths with colons round-trip; arbitrary lines are exact or a ParseError', async (t) => {
  const segment = chars('abc:-_.@ =,0123456789', 1, 12);
  const line = fc.record({
    hierarchy: fc.integer({ min: 0, max: 64 }),
    controllers: fc.oneof(fc.constant([] as string[]), fc.subarray(['cpu', 'cpuacct', 'memory', 'pids', 'net_cls', 'blkio']), fc.constant(['name=systemd'])),
    path: fc.array(segment, { maxLength: 6 }).map((a) => '/' + a.join('/')),
  });
  check(
    t,
    'cgroup lines round trip',
    fc.property(fc.array(line, { maxLength: 14 }), fc.boolean(), (ls, trailing) => {
      const text = ls.map((l) => `${l.hierarchy}:${l.controllers.join(',')}:${l.path}`).join('\n') + (trailing ? '\n' : '');
      deepStrictEqual(parseCgroupFile(text), ls.map((l) => ({ ...l })));
    }),
    1,
  );
  // Whatever parses prints back to the very line it came from.
  check(
    t,
    'cgroup arbitrary lines print back',
    fc.property(fc.array(fc.oneof(hostile(40), fc.constantFrom('0::/', '1:cpu:/a:b', '007:cpu:/', '-1::/', '2::rel', '99999999999999999999::/')), { maxLength: 8 }), (ls) => {
      const text = ls.join('\n');
      const got = parsesOrParseError(() => parseCgroupFile(text));
      if (got === undefined) return true;
      const back = got.map((l) => `${l.hierarchy}:${l.controllers.join(',')}:${l.path}`);
      return JSON.stringify(back) === JSON.stringify(text.split('\n').filter((l) => l !== ''));
    }),
    2,
  );
});

t.test('parseNsLink: every type and inode; anything else is undefined', async (t) => {
  check(
    t,
    'ns link round trip',
    fc.property(fc.constantFrom(...NS_TYPES), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (type, inode) => {
      const got = parseNsLink(`${type}:[${inode}]`);
      return got?.type === type && got.inode === inode;
    }),
    1,
  );
  check(
    t,
    'ns link arbitrary: canonical or undefined',
    fc.property(fc.oneof(hostile(40), fc.tuple(fc.constantFrom(...NS_TYPES, 'pid_for_children', 'mnt '), fc.oneof(u64, fc.constantFrom('', '0', '007', '1'.repeat(40), '-1', '1.5'))).map(([a, b]) => `${a}:[${b}]`)), (link) => {
      const got = parseNsLink(link);
      // Canonical: what parses prints back to the same link, with an exact inode.
      return got === undefined || (`${got.type}:[${got.inode}]` === link && Number.isSafeInteger(got.inode));
    }),
    2,
  );
});

/** mountinfo escapes space, tab, newline and backslash as octal. */
const escape = (s: string): string => s.replace(/[ \t\n\\]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'));

t.test('parseCgroupMounts: escaped mount points come back; controllers of v1 mounts', async (t) => {
  const path = fc.array(fc.oneof(chars('ab \t\n\\-0', 1, 8), fc.constantFrom('sys', 'fs', 'cgroup', '\\040', 'a b')), { minLength: 1, maxLength: 5 }).map((a) => '/' + a.join('/'));
  const ctrls = fc.subarray(['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio', 'blkio', 'perf_event', 'hugetlb', 'pids', 'rdma', 'misc']);
  const mount = fc.record({
    version: fc.constantFrom(1, 2) as fc.Arbitrary<1 | 2>,
    mountPoint: path,
    root: fc.oneof(fc.constant('/'), path),
    controllers: ctrls,
    named: fc.boolean(),
    optional: fc.array(fc.constantFrom('shared:7', 'master:3', 'propagate_from:2', 'unbindable'), { maxLength: 3 }),
    extra: fc.subarray(['nosuid', 'nodev', 'noexec', 'relatime', 'xattr', 'clone_children', 'release_agent=/x']),
  });
  const other = fc.record({ fstype: fc.constantFrom('ext4', 'proc', 'tmpfs', 'overlay', 'cgroupfs'), mountPoint: path });
  check(
    t,
    'mountinfo round trip',
    fc.property(fc.array(fc.oneof(mount, other), { maxLength: 10 }), (items) => {
      const lines = items.map((m, i) => {
        if (!('version' in m)) return `${i + 20} 1 0:${i} / ${escape(m.mountPoint)} rw,relatime - ${m.fstype} none rw`;
        const named = m.version === 1 && (m.named || m.controllers.length === 0);
        const superOpts = m.version === 2 ? 'rw,nsdelegate' : ['rw', ...m.extra, ...m.controllers, ...(named ? ['name=systemd'] : [])].join(',');
        return `${i + 20} 1 0:${i} ${escape(m.root)} ${escape(m.mountPoint)} rw,nosuid ${m.optional.join(' ')}${m.optional.length ? ' ' : ''}- cgroup${m.version === 2 ? '2' : ''} cgroup ${superOpts}`;
      });
      const want = items.flatMap((m) => ('version' in m ? [{
        mountPoint: m.mountPoint, root: m.root, version: m.version,
        controllers: m.version === 2 ? [] : [...m.controllers, ...(m.named || m.controllers.length === 0 ? ['name=systemd'] : [])],
      }] : []));
      deepStrictEqual(parseCgroupMounts(lines.join('\n') + '\n'), want);
    }),
    1,
  );
  check(
    t,
    'mountinfo arbitrary lines',
    fc.property(fc.array(fc.oneof(hostile(60), fc.constantFrom(' - cgroup2', 'a b - cgroup x', '1 2 3 4 5 - cgroup c rw,cpu', '1 2 3 \\777 \\0 - cgroup2 x')), { maxLength: 8 }), (ls) => {
      const got = parsesOrParseError(() => parseCgroupMounts(ls.join('\n')));
      return got === undefined || got.every((m) => (m.version === 1 || m.version === 2) && typeof m.mountPoint === 'string');
    }),
    2,
  );
});
