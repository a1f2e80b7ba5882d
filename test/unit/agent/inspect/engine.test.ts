// The engine over a fixture /proc tree: refs to subjects, ns, whois, lsns and the node-local pod diff's errors, without root.
import t from 'tap';
import { Engine, runningContainers } from '../../../../agent/inspect/engine.js';
import { containerCgroup, procFixture, HOST_NS } from '../../../helpers/proc-fixture.js';
import { APP, DBG, GONE, NS, POD_UID, SB, fixtureNode } from '../../../helpers/fixture-node.js';
import { emptyRoots } from '../../../helpers/fixture-app.js';
import { userName } from '../../../../agent/procfs/users.js';
import { lsnsJSON, nsListJSON, whoisJSON } from '../../../../agent/protocol/answers.js';

/** Who owns the fixture's /proc/<pid> directories: whoever runs the test. */
const ME = userName(process.getuid?.() ?? 0);

for (const [layout, runtime, driver] of [['v2', 'containerd', 'systemd'], ['v1', 'cri-o', 'cgroupfs']] as const) {
  t.test(`${runtime}, cgroup ${layout}`, async (t) => {
    const { fx } = fixtureNode(layout, runtime, driver, procFixture(t, layout));
    const engine = new Engine(emptyRoots(t), fx.proc);
    t.equal(engine.proc, fx.proc);
    t.equal(engine.index.proc, fx.proc, 'the index reads the same root');

    const app = engine.subject({ kind: 'container', prefix: APP.slice(0, 12), text: `container/${APP.slice(0, 12)}` });
    const dbg = engine.subject({ kind: 'pid', pid: 300, text: 'pid/300' });
    t.match(app, { ref: `container/${APP.slice(0, 12)}`, pid: 200, startTime: 200, containerID: APP, podUID: POD_UID, runtime, container: { pids: [200, 201] } });
    t.same(nsListJSON([app, dbg]), {
      items: [
        { ref: `container/${APP.slice(0, 12)}`, pid: 200, containerID: APP, podUID: POD_UID, namespaces: { ...HOST_NS, net: NS.net, ipc: NS.ipc, uts: NS.uts, pid: NS.appPid, mnt: NS.appMnt, cgroup: NS.appCgroup } },
        { ref: 'pid/300', pid: 300, containerID: DBG, podUID: POD_UID, namespaces: { ...HOST_NS, net: NS.net, ipc: NS.ipc, uts: NS.uts, pid: NS.appPid, mnt: NS.dbgMnt, cgroup: NS.dbgCgroup } },
      ],
    });
    t.same(whoisJSON(engine.pidSubject(100)), { pid: 100, namespaces: { ...HOST_NS, net: NS.net, ipc: NS.ipc, uts: NS.uts, pid: NS.sbPid, mnt: NS.sbMnt, cgroup: NS.sbCgroup }, containerID: SB, podUID: POD_UID, runtime });
    t.same(whoisJSON(engine.pidSubject(2)), { pid: 2, namespaces: HOST_NS }, 'a kernel thread: the host’s namespaces, no container');
    t.throws(() => engine.pidSubject(4242), { code: 'NOT_FOUND', message: 'no process 4242 on this node' });
    t.throws(() => engine.containerSubject(GONE), { code: 'NOT_RUNNING' }, 'no record of its exit: just not running');

    const lsns = engine.lsns(['pid']);
    t.same(lsns.map((r) => [r.inode, r.nprocs, r.pid, r.containerID]), [[HOST_NS.pid, 3, 1, undefined], [NS.sbPid, 1, 100, SB], [NS.appPid, 4, 200, APP]]);
    t.same(engine.lsns().filter((r) => r.containerID === DBG).map((r) => r.type).sort(), ['cgroup', 'mnt'], 'only the debugger’s own namespaces are listed under it');

    t.same(runningContainers(engine).map((s) => s.containerID).sort(), [SB, APP, DBG].sort());
    t.same(engine.ps(app).map((p) => p.pid), [200, 201, 300, 400]);
    t.throws(() => engine.podSubjects('shop', 'web'), { code: 'NOT_FOUND', message: 'no pod shop/web has a running container on this node' }, 'no runtime records: no pod is known node-locally');
  });
}

t.test('two engines, two roots: neither sees the other’s processes', async (t) => {
  const a = fixtureNode('v2', 'containerd', 'systemd', procFixture(t, 'v2'));
  const b = procFixture(t, 'v1');
  b.process({ pid: 1, ppid: 0, comm: 'systemd' });
  const ea = new Engine(emptyRoots(t), a.fx.proc);
  const eb = new Engine(emptyRoots(t), b.proc);
  t.equal(ea.pidSubject(200).containerID, APP);
  t.throws(() => eb.pidSubject(200), { code: 'NOT_FOUND' });
  t.same(lsnsJSON(eb.lsns(['net'])).namespaces, [{ inode: HOST_NS.net, type: 'net', nprocs: 1, pid: 1, user: ME, command: 'systemd' }]);
});

t.test("a pod's sandbox from the last cgroup walk, however old; a walk only when it lacks it", async (t) => {
  const { fx } = fixtureNode('v2', 'containerd', 'systemd', procFixture(t, 'v2'));
  const engine = new Engine(emptyRoots(t), fx.proc);
  const known = new Set([APP, DBG]);
  t.equal(engine.sandboxSubject(POD_UID, known, 1, [])?.containerID, SB, 'the first call walks');
  // A second pod appears after that walk; the first pod's sandbox is found without walking again.
  const other = 'e'.repeat(64);
  const otherUID = '11111111-2222-3333-4444-555555555555';
  fx.process({ pid: 700, comm: 'pause', cgroup: containerCgroup({ runtime: 'containerd', driver: 'systemd', podUID: otherUID, qos: 'burstable', id: other }), ns: { net: 4026532700 } });
  await new Promise((r) => setTimeout(r, 5));
  t.equal(engine.sandboxSubject(POD_UID, known, 1, [])?.containerID, SB, 'the walk is older than 1 ms, and still holds the sandbox');
  t.notOk(engine.index.all(Infinity).some((e) => e.containerID === other), 'so it was not walked again');
  t.equal(engine.sandboxSubject(otherUID, new Set(), 1, [])?.containerID, other, 'a pod the last walk lacks: walked again, found');
  t.equal(engine.sandboxSubject(otherUID, new Set(), 60_000, [])?.containerID, other, 'and found from that walk after');
  fx.exit(100);
  t.equal(engine.sandboxSubject(POD_UID, known, 60_000, []), undefined, 'a sandbox that stopped is not taken from the old walk');
});
