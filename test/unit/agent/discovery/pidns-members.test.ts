// Attribution of a pid namespace's members: container, entered from the host, or the node's.
import t from 'tap';
import { ownerOf } from '../../../../agent/discovery/pidns-members.js';
import { psOwner } from '../../../../cli/render/local.js';
import type { ContainerID } from '../../../../agent/model/types.js';

const ID = 'a'.repeat(64) as ContainerID;
const cases = [
  { what: 'a container\'s process in its own namespace', id: ID, host: false, want: { kind: 'container', containerID: ID }, col: 'aaaaaaaaaaaa' },
  { what: 'a container\'s process in the host namespace (hostPID)', id: ID, host: true, want: { kind: 'container', containerID: ID }, col: 'aaaaaaaaaaaa' },
  { what: 'no container, in a container\'s namespace: nsenter -p or nsinspect exec', id: undefined, host: false, want: { kind: 'host-entered' }, col: '(entered from host)' },
  { what: 'no container, in the host namespace', id: undefined, host: true, want: { kind: 'node' }, col: '(node)' },
] as const;

for (const c of cases) {
  t.test(c.what, async (t) => {
    const owner = ownerOf(c.id, c.host);
    t.same(owner, c.want);
    const row = { pid: 1, nspid: 1, ppid: 0, uid: 0, startTime: '', command: '', owner, ...(c.id ? { containerID: c.id } : {}) };
    t.equal(psOwner(row), c.col, 'the CONTAINER column');
  });
}

t.test('a row from an older agent (no owner) shows its containerID', async (t) => {
  t.equal(psOwner({ pid: 1, nspid: 1, ppid: 0, uid: 0, startTime: '', command: '', containerID: ID }), 'aaaaaaaaaaaa');
});

t.test('pidNsMembers stays exact across calls: joiners, leavers and a new namespace', { skip: process.getuid?.() !== 0 ? 'needs root for unshare -p' : false }, async (t) => {
  const { spawn } = await import('node:child_process');
  const { readlinkSync } = await import('node:fs');
  const { pidNsMembers } = await import('../../../../agent/discovery/pidns-members.js');
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

t.test('over a fixture /proc: the exact members, and each one’s owner', async (t) => {
  const { pidNsMembers, memberOwners } = await import('../../../../agent/discovery/pidns-members.js');
  const { ContainerIndex } = await import('../../../../agent/discovery/containers.js');
  const { procFixture } = await import('../../../helpers/proc-fixture.js');
  const { APP, DBG, NS, fixtureNode } = await import('../../../helpers/fixture-node.js');
  for (const [layout, runtime, driver] of [['v2', 'containerd', 'systemd'], ['v1', 'cri-o', 'cgroupfs']] as const) {
    const { fx } = fixtureNode(layout, runtime, driver, procFixture(t, layout));
    t.same(pidNsMembers(NS.appPid, fx.proc), [200, 201, 300, 400], `${layout}: the app, its worker, the debugger and the nsenter`);
    const owner = memberOwners({ containerID: APP, dir: new ContainerIndex(fx.proc).resolve(APP).dir }, false, fx.proc);
    t.same([200, 201, 300, 400].map(owner), [
      { kind: 'container', containerID: APP }, { kind: 'container', containerID: APP },
      { kind: 'container', containerID: DBG }, { kind: 'host-entered' },
    ], `${layout}: owners`);
    fx.exit(201).process({ pid: 202, ppid: 200, comm: 'nginx', nspid: [202, 5], ns: { pid: NS.appPid } });
    t.same(pidNsMembers(NS.appPid, fx.proc), [200, 202, 300, 400], `${layout}: a leaver and a joiner seen at the next call`);
  }
});
