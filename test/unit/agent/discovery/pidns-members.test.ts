// Attribution of a pid namespace's members: container, entered from the host, or the node's.
import t from 'tap';
import { memberOwners, ownerOf, pidNsMembers } from '../../../../agent/discovery/pidns-members.js';
import { ContainerIndex } from '../../../../agent/discovery/containers.js';
import { procFixture } from '../../../helpers/proc-fixture.js';
import { APP, DBG, NS, fixtureNode } from '../../../helpers/fixture-node.js';
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

t.test('over a fixture /proc: the exact members, and each one’s owner', async (t) => {
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
