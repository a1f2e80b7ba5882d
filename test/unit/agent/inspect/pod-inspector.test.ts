// PodInspector's snapshots: a pod's diff and access answers are made once per snapshot and shared, keyed by pair and Pod Security level, over a fixture /proc tree.
import t from 'tap';
import { Engine } from '../../../../agent/inspect/engine.js';
import { PodInspector } from '../../../../agent/inspect/pod-inspector.js';
import type { PodSecurity } from '../../../../agent/model/access.js';
import { emptyRoots } from '../../../helpers/fixture-app.js';
import { fixtureNode, fixturePod } from '../../../helpers/fixture-node.js';
import { procFixture } from '../../../helpers/proc-fixture.js';

function setup(t: { teardown: (fn: () => void) => void }, ttlMs: number, now?: () => number) {
  const node = fixtureNode('v2', 'containerd', 'systemd', procFixture(t, 'v2'));
  const engine = new Engine(emptyRoots(t), node.fx.proc);
  // A long TTL: the test must not depend on how fast it runs.
  return { inspector: new PodInspector(engine, { snapshotTtlMs: ttlMs, ...(now ? { now } : {}) }), pod: fixturePod('containerd'), fx: node.fx };
}

t.test('a burst of diffs of one pod is answered from one snapshot', async (t) => {
  const { inspector, pod } = setup(t, 600_000);
  const first = inspector.diff(pod, 'dbg');
  t.ok(first.shared.includes('pid'), 'the debugger shares the target pid namespace');
  t.equal(inspector.diff(pod, 'dbg'), first, 'the same answer object, not a second read and judgement');
  t.equal(inspector.diff(pod, 'dbg', 'app'), first, 'naming the default target explicitly is the same pair');
  const access = inspector.access(pod, 'dbg');
  t.not(access as unknown, first as unknown, 'access has its own entry');
  t.equal(inspector.access(pod, 'dbg'), access);
});

t.test('the Pod Security level is part of the key', async (t) => {
  const { inspector, pod } = setup(t, 600_000);
  const restricted: PodSecurity = { namespace: 'shop', enforce: 'restricted', version: 'latest' };
  const baseline: PodSecurity = { namespace: 'shop', enforce: 'baseline', version: 'latest' };
  const unknown: PodSecurity = { namespace: 'shop', enforce: 'unknown', why: 'namespace not readable' };
  const a = inspector.diff(pod, 'dbg', undefined, restricted);
  const b = inspector.diff(pod, 'dbg', undefined, baseline);
  const c = inspector.diff(pod, 'dbg', undefined, unknown);
  const none = inspector.diff(pod, 'dbg');
  t.equal(new Set([a, b, c, none]).size, 4, 'four levels, four answers');
  t.equal(inspector.diff(pod, 'dbg', undefined, { ...restricted }), a, 'an equal level finds the same answer');
});

t.test('a changed pod or an expired snapshot gives a fresh answer', async (t) => {
  const { inspector, pod } = setup(t, 600_000);
  const first = inspector.diff(pod, 'dbg');
  const restarted = { ...pod, containers: pod.containers.map((c) => (c.name === 'app' ? { ...c, state: 'terminated' as const } : c)) };
  t.throws(() => inspector.diff(restarted, 'dbg'), { code: 'NOT_RUNNING' }, 'the new snapshot sees the target stopped; errors are not kept');
  t.not(inspector.diff(pod, 'dbg'), first, 'back to the old signature: rebuilt, not the stale entry');

  const off = setup(t, 0);
  const x = off.inspector.diff(off.pod, 'dbg');
  const y = off.inspector.diff(off.pod, 'dbg');
  t.not(x, y, 'TTL 0: nothing is kept');
  t.same(y, x, 'and the answers agree');
});

t.test("after the TTL, the view is checked against its containers' processes", async (t) => {
  const clock = { now: 0 };
  const { inspector, pod, fx } = setup(t, 1_000, () => clock.now);
  const first = inspector.diff(pod, 'dbg');
  clock.now = 1_500;
  t.equal(inspector.diff(pod, 'dbg'), first, 'the same processes: the same answer, not rebuilt');
  // The debugger's shell execs a program that left the target's pid namespace (unshare -p --fork, say).
  fx.change(300, { comm: 'strace', ns: { pid: 4026532999 } });
  clock.now = 3_000;
  const next = inspector.diff(pod, 'dbg');
  t.not(next, first, 'the debugger exec\'d: rebuilt');
  t.notOk(next.shared.includes('pid'), 'and the new answer sees it no longer shares the pid namespace');
});
