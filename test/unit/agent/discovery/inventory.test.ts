// lsns over a fixture /proc: every namespace once, its process count, lowest pid, user, command and container.
import t from 'tap';
import { ContainerIndex } from '../../../../agent/discovery/containers.js';
import { inventory } from '../../../../agent/discovery/inventory.js';
import { HOST_NS, procFixture } from '../../../helpers/proc-fixture.js';
import { APP, NS, SB, fixtureNode } from '../../../helpers/fixture-node.js';
import { userName } from '../../../../agent/procfs/users.js';

/** Who owns the fixture's /proc/<pid> directories: whoever runs the test. */
const ME = userName(process.getuid?.() ?? 0);

for (const layout of ['v2', 'v1'] as const) {
  t.test(`cgroup ${layout}`, async (t) => {
    const { fx } = fixtureNode(layout, 'containerd', layout === 'v2' ? 'systemd' : 'cgroupfs', procFixture(t, layout));
    const rows = inventory(new ContainerIndex(fx.proc));
    const byInode = new Map(rows.map((r) => [r.inode, r]));
    t.same(rows.map((r) => r.inode), [...rows.map((r) => r.inode)].sort((a, b) => a - b), 'sorted by inode');
    t.equal(rows.length, new Set(rows.map((r) => r.inode)).size, 'each namespace once');
    t.same(byInode.get(HOST_NS.net), { inode: HOST_NS.net, type: 'net', nprocs: 4, pid: 1, user: ME, command: '/sbin/init splash' }, 'the host net namespace: pids 1, 2, 150, 400');
    t.same(byInode.get(HOST_NS.pid), { inode: HOST_NS.pid, type: 'pid', nprocs: 3, pid: 1, user: ME, command: '/sbin/init splash' }, 'pid 400 left it for the app’s');
    t.same(byInode.get(NS.net), { inode: NS.net, type: 'net', nprocs: 4, pid: 100, user: ME, command: '/pause', containerID: SB }, 'the pod’s net namespace, owned by the sandbox’s init');
    t.same(byInode.get(NS.appPid), { inode: NS.appPid, type: 'pid', nprocs: 4, pid: 200, user: ME, command: 'nginx -g daemon off;', containerID: APP }, 'app, worker, debugger and the nsenter');
  });
}

t.test('only the types asked for; a kernel thread shows its comm in brackets', async (t) => {
  const fx = procFixture(t, 'v2');
  fx.process({ pid: 2, ppid: 0, comm: 'kthreadd', cmdline: [] });
  const rows = inventory(new ContainerIndex(fx.proc), ['uts', 'ipc']);
  t.same(rows, [
    { inode: HOST_NS.uts, type: 'uts', nprocs: 1, pid: 2, user: ME, command: '[kthreadd]' },
    { inode: HOST_NS.ipc, type: 'ipc', nprocs: 1, pid: 2, user: ME, command: '[kthreadd]' },
  ]);
});
