// Attribution of a pid namespace's members: container, entered from the host, or the node's.
import t from 'tap';
import { ownerOf } from '../../../agent/discovery/pidns-members.js';
import { psOwner } from '../../../cli/render/local.js';
import type { ContainerID } from '../../../agent/model/types.js';

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
