// Fault: the wall clock jumps ±1 h under a running agent: caches, TTLs and timeouts run on monotonic time.
import t, { type Test } from 'tap';
import { demoClusterFor, get } from '../helpers/cluster.js';
import { waitFor } from '../helpers/lab.js';
import { TtlCache } from '../../agent/kube/ttl-cache.js';
import { ExecService } from '../../agent/exec/service.js';

/** Replaces Date (now() and new Date()) with one offset by a settable amount; restored at teardown. */
function wallClock(t: Test): { jump(offsetMs: number): void } {
  const Real = Date;
  let offset = 0;
  class Jumped extends Real {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(Real.now() + offset);
      else super(...(args as [number]));
    }
    static override now(): number {
      return Real.now() + offset;
    }
  }
  globalThis.Date = Jumped as DateConstructor;
  t.teardown(() => {
    globalThis.Date = Real;
  });
  return { jump: (ms) => void (offset = ms) };
}

const HOUR = 3_600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('authorization caches neither expire early nor live forever when the clock jumps', async (t) => {
  const { srv, agent } = await demoClusterFor(t);
  const clock = wallClock(t);
  t.equal((await get(agent, '/v1/pods/shop/web', 'viewer-token')).status, 200);
  const reviews = () => srv.auth.tokenReviews.length + srv.auth.subjectAccessReviews.length;
  const seen = reviews();
  for (const offset of [HOUR, -HOUR, 24 * HOUR, 0]) {
    clock.jump(offset);
    t.ok(Math.abs(new Date().getTime() - (performance.timeOrigin + performance.now()) - offset) < 1000, 'the wall clock seen in-process jumped');
    t.equal((await get(agent, '/v1/pods/shop/web', 'viewer-token')).status, 200);
    t.equal(reviews(), seen, `clock ${offset / HOUR} h: cached decisions still used, none expired by the jump`);
  }
  // The cache itself: a 200 ms entry expires after 200 ms of real time, whichever way the clock went.
  clock.jump(-HOUR);
  const c = new TtlCache<string>(10);
  c.set('k', 'v', 200);
  clock.jump(HOUR);
  t.equal(c.get('k'), 'v', 'a jump forward does not expire it');
  clock.jump(-HOUR);
  await sleep(300);
  t.equal(c.get('k'), undefined, 'a jump back does not keep it alive');
});

t.test('the pod snapshot still refreshes after the clock went back an hour', async (t) => {
  const { lab, pod, agent } = await demoClusterFor(t);
  const clock = wallClock(t);
  const state = async () => (await get(agent, '/v1/pods/shop/web', 'viewer-token')).body.containers.find((c: { name: string }) => c.name === 'debugger-notarget').state;
  t.equal(await state(), 'running');
  clock.jump(-HOUR);
  await lab.kill(pod.debuggerNoTarget.id);
  await waitFor('the exited container to show as missing', async () => ((await state()) === 'missing' ? true : undefined), 5_000);
  t.pass('the 1 s snapshot expired on monotonic time');
});

t.test('exec timeouts and durations ignore a jump mid-session', async (t) => {
  const { pod, agent } = await demoClusterFor(t);
  const clock = wallClock(t);
  const svc = new ExecService({ info: () => undefined }, { cgroupParent: '/' });
  const s = agent.engine.containerSubject(pod.app.id);
  const jumps = [setTimeout(() => clock.jump(HOUR), 200), setTimeout(() => clock.jump(-HOUR), 500)];
  t.teardown(() => jumps.forEach(clearTimeout));
  const t0 = performance.now();
  const r = await svc.exec({ subject: s, target: 'x', command: ['sleep', '30'], namespaces: 'all', timeoutSeconds: 1, user: { username: 'u', groups: [] } });
  const took = performance.now() - t0;
  t.equal(r.exitCode, 137, 'killed by its 1 s timeout');
  t.ok(took > 900 && took < 5_000, `after ${Math.round(took)} ms, not an hour early or late`);
  t.ok(r.durationMs > 900 && r.durationMs < 5_000, `durationMs ${r.durationMs} is real elapsed time`);
});

t.test('the pod watch backs off and recovers while the clock jumps', async (t) => {
  const { srv, agent } = await demoClusterFor(t);
  const clock = wallClock(t);
  srv.setDown(true, 'reset');
  await waitFor('the watch to notice', () => (agent.pods?.up() ? undefined : true), 10_000);
  clock.jump(-HOUR);
  await sleep(1000);
  clock.jump(HOUR);
  srv.setDown(false);
  await waitFor('the watch up again', () => (agent.pods?.up() ? true : undefined), 20_000);
  const { makePod } = await import('../fake-apiserver/index.js');
  srv.pods.add(makePod({ name: 'later', namespace: 'shop', nodeName: 'node-a' }));
  await waitFor('a pod added after the jumps', () => agent.pods?.get('shop', 'later'), 10_000);
});
