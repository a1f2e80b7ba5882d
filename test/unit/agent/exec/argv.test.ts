// Table-driven tests of the nsenter argv: selections, skipped own namespaces, fresh /proc, literal argv.
import t from 'tap';
import { checkCommand, execPlan, parseSelection, pinnedPlan } from '../../../../agent/exec/argv.js';
import type { NsSet } from '../../../../agent/model/types.js';

const own: NsSet = { cgroup: 1, ipc: 2, mnt: 3, net: 4, pid: 5, time: 6, user: 7, uts: 8 };
const target: NsSet = { ...own, cgroup: 11, ipc: 12, mnt: 13, net: 14, pid: 15, uts: 18 };

t.test('execPlan', async (t) => {
  const cases: Array<[string, Parameters<typeof execPlan>[1], string[], string[], boolean]> = [
    ['all', 'all', ['nsenter', '--target', '42', '--all', '--', 'ps'], ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'uts'], false],
    ['tools: all but mnt, own user/time skipped, fresh /proc', 'tools', ['nsenter', '--target', '42', '--cgroup', '--ipc', '--net', '--pid', '--uts', '--', 'unshare', '--mount', '--mount-proc', '--propagation', 'private', '--', 'ps'], ['cgroup', 'ipc', 'net', 'pid', 'uts'], true],
    ['net,uts', ['net', 'uts'], ['nsenter', '--target', '42', '--net', '--uts', '--', 'ps'], ['net', 'uts'], false],
    ['pid with mnt: no remount', ['mnt', 'pid'], ['nsenter', '--target', '42', '--mount', '--pid', '--', 'ps'], ['mnt', 'pid'], false],
    ['only own namespaces', ['user', 'time'], ['nsenter', '--target', '42', '--', 'ps'], [], false],
  ];
  for (const [name, sel, argv, entered, fresh] of cases) {
    const p = execPlan(42, sel, target, own, ['ps']);
    t.same(p.argv, argv, name);
    t.same(p.entered, entered, `${name}: entered`);
    t.equal(p.freshProc, fresh, `${name}: fresh /proc`);
  }
  const hostile = ['; rm -rf /', '$(id)', '`id`', 'a\nb', '--', '--all', '-t', '1'];
  t.same(execPlan(42, 'all', target, own, ['echo', ...hostile]).argv.slice(-hostile.length), hostile, 'arguments stay literal and last');
});

t.test('parseSelection and checkCommand', async (t) => {
  t.equal(parseSelection(undefined), 'tools');
  t.equal(parseSelection('all'), 'all');
  t.same(parseSelection('uts,net,net'), ['net', 'uts']);
  t.same(parseSelection(['pid']), ['pid']);
  for (const bad of ['', 'bogus', 'net,bogus', [], ['mnt', 3], 5, {}]) t.throws(() => parseSelection(bad), { code: 'INVALID' }, JSON.stringify(bad));
  t.same(checkCommand(['ps', '-ef']), ['ps', '-ef']);
  for (const bad of [[], '', 'ps -ef', [''], ['a\0b'], [1], new Array(300).fill('x'), ['x'.repeat(70000)]]) {
    t.throws(() => checkCommand(bad), { code: 'INVALID' }, JSON.stringify(bad).slice(0, 40));
  }
});

t.test('pinnedPlan: a terminal session gets its own session inside the pid namespace (bug 4)', async (t) => {
  const own = { pid: 1, mnt: 2, net: 3, user: 4 } as unknown as Parameters<typeof execPlan>[2];
  const target = { pid: 11, mnt: 12, net: 13, user: 14 } as unknown as Parameters<typeof execPlan>[2];
  const paths = { ns: { pid: '/f/p', mnt: '/f/m', net: '/f/n', user: '/f/u' }, root: '/f/r', wd: '/f/w' };
  t.same(pinnedPlan('all', target, own, paths, ['sh']).argv, ['nsenter', '--mount=/f/m', '--net=/f/n', '--pid=/f/p', '--user=/f/u', '--root=/f/r', '--wd=/f/w', '--', 'sh'], 'no tty: one nsenter, as before');
  t.same(
    pinnedPlan('all', target, own, paths, ['sh'], true).argv,
    ['nsenter', '--net=/f/n', '--pid=/f/p', '--', 'setsid', '--ctty', '--wait', 'nsenter', '--mount=/f/m', '--user=/f/u', '--root=/f/r', '--wd=/f/w', '--', 'sh'],
    'tty, all: setsid after the pid namespace, before user and mnt',
  );
  t.same(
    pinnedPlan('tools', target, own, paths, ['dash'], true).argv,
    ['nsenter', '--net=/f/n', '--pid=/f/p', '--', 'setsid', '--ctty', '--wait', 'nsenter', '--user=/f/u', '--', 'unshare', '--mount', '--mount-proc', '--propagation', 'private', '--', 'dash'],
    'tty, tools: a fresh /proc after setsid',
  );
  t.same(pinnedPlan(['mnt'], target, own, paths, ['sh'], true).argv, ['setsid', '--ctty', '--wait', 'nsenter', '--mount=/f/m', '--root=/f/r', '--wd=/f/w', '--', 'sh'], 'nothing to enter first: no empty nsenter');
});
