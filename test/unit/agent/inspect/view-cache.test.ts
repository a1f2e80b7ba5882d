// ViewCache: a view is reused for its TTL, then kept while its processes' fingerprints are the same, and rebuilt when one restarts, execs, changes namespace or credentials, or goes, and at its rebuild time; on a fixture /proc and a test clock.
import t from 'tap';
import { ViewCache } from '../../../../agent/inspect/view-cache.js';
import { procFixture } from '../../../helpers/proc-fixture.js';

const TTL = 1_000;
const REBUILD = 10_000;

function setup(t: { teardown: (fn: () => void) => void }, ttl = TTL) {
  const fx = procFixture(t, 'v2').process({ pid: 500, comm: 'sh', start: 7000 }).process({ pid: 501, comm: 'nginx', start: 7001 });
  const clock = { now: 0 };
  // Background checks wait here until the test runs them, one turn at a time.
  const deferred: Array<() => void> = [];
  const cache = new ViewCache<{ n: number }>(fx.proc, { snapshotTtlMs: ttl, rebuildMs: REBUILD, now: () => clock.now, defer: (run) => deferred.push(run) });
  let builds = 0;
  let failing = false;
  const from = [{ pid: 500, startTime: 7000 }, { pid: 501, startTime: 7001 }];
  const build = (): { n: number } => {
    if (failing) throw new Error('reading the pod: boom');
    return { n: ++builds };
  };
  const get = (signature = 'sig', key = 'ns/pod') => cache.get(key, signature, build, () => from);
  /** Runs one deferred turn; false when none was queued. */
  const turn = (): boolean => {
    const run = deferred.shift();
    run?.();
    return run !== undefined;
  };
  return { fx, clock, get, turn, builds: () => builds, fail: (on: boolean) => (failing = on), pending: () => deferred.length };
}

t.test('reused as is within half the TTL, even if a process changed; checked by the end of it', async (t) => {
  const { fx, clock, get } = setup(t);
  const first = get();
  fx.change(500, { comm: 'app' });
  clock.now = TTL / 2 - 1;
  t.equal(get(), first, 'no /proc read before the earliest check');
  clock.now = TTL;
  t.not(get(), first, 'checked (and rebuilt) by the TTL, whatever the jitter picked');
});

t.test('kept after the TTL while every process is the same', async (t) => {
  const { clock, get, builds } = setup(t);
  const first = get();
  for (const now of [TTL, 2 * TTL, 3 * TTL + 5, TTL + (REBUILD - TTL) / 2 - 1]) {
    clock.now = now;
    t.equal(get(), first, `still the first view at ${now} ms`);
  }
  t.equal(builds(), 1, 'built once');
});

t.test('rebuilt at the first check after a process execs, restarts, changes namespace or credentials, or exits', async (t) => {
  const cases: Array<[string, (fx: ReturnType<typeof setup>['fx']) => void]> = [
    ['exec (a new command name)', (fx) => fx.change(500, { comm: 'app' })],
    ['restart (a new start time, the same pid)', (fx) => fx.change(501, { start: 9000 })],
    ['setns or unshare in place (a new pid namespace, nothing else)', (fx) => fx.change(500, { ns: { pid: 4026532999 } })],
    ['setuid in place (new ids and capability sets)', (fx) => fx.change(500, { uid: 1000 })],
    ['exit', (fx) => fx.exit(501)],
  ];
  for (const [what, act] of cases) {
    const { fx, clock, get, builds } = setup(t);
    const first = get();
    act(fx);
    clock.now = TTL;
    t.not(get(), first, `${what}: a new view`);
    t.equal(builds(), 2, `${what}: built again`);
  }
});

t.test('rebuilt at its rebuild time whatever the checks say, and not before half of it', async (t) => {
  const { clock, get, builds } = setup(t);
  const first = get();
  clock.now = TTL + (REBUILD - TTL) / 2 - 1;
  t.equal(get(), first, 'before the earliest rebuild time: kept');
  clock.now = TTL + REBUILD;
  t.not(get(), first, 'by the latest: rebuilt (the node settings and records it holds are that stale)');
  t.equal(builds(), 2);
});

t.test('a process replaced between the build and its stamp is never taken as unchanged', async (t) => {
  const fx = procFixture(t, 'v2').process({ pid: 500, comm: 'sh', start: 7000 });
  const clock = { now: 0 };
  const cache = new ViewCache<{ n: number }>(fx.proc, { snapshotTtlMs: TTL, rebuildMs: REBUILD, now: () => clock.now });
  let builds = 0;
  // The build saw start time 6000; by the stamp, pid 500 is another process (start 7000).
  const get = () => cache.get('k', 'sig', () => ({ n: ++builds }), () => [{ pid: 500, startTime: 6000 }]);
  get();
  clock.now = TTL;
  get();
  t.equal(builds, 2, 'rebuilt at the first check');
});

t.test('a new signature or TTL 0 builds', async (t) => {
  const { get, builds } = setup(t);
  const first = get();
  t.not(get('other'), first, 'the API shows the pod changed: rebuilt at once');
  t.equal(builds(), 2);
  const off = setup(t, 0);
  const x = off.get();
  t.not(off.get(), x, 'TTL 0: nothing is kept');
});

t.test('after its check time and before the TTL: served at once, checked in the background', async (t) => {
  const { fx, clock, get, turn, builds, pending } = setup(t);
  const first = get();
  fx.change(500, { comm: 'app' });
  clock.now = 0.8 * TTL;
  t.equal(get(), first, 'the reader is not kept waiting: the last check is younger than the TTL');
  t.equal(get(), first, 'a second reader too');
  t.equal(pending(), 1, 'one background turn queued for both');
  t.equal(builds(), 1, 'nothing read yet');
  t.ok(turn(), 'the check runs');
  t.equal(builds(), 2, 'it saw the exec and rebuilt');
  const second = get();
  t.not(second, first, 'the next reader gets the new view');
  t.ok(turn(), 'the queue stops itself');
  t.equal(pending(), 0);
});

t.test('background checks of an unchanged view keep it, one view per turn', async (t) => {
  const { fx, clock, get, turn, builds, pending } = setup(t);
  const a = get('sig', 'ns/a');
  const b = get('sig', 'ns/b');
  clock.now = 0.8 * TTL;
  get('sig', 'ns/a');
  get('sig', 'ns/b');
  t.equal(pending(), 1, 'one turn scheduled at a time');
  t.ok(turn(), 'the first turn checks ns/a');
  // Only now does a process change: a turn that also checked ns/b would have kept it unchanged.
  fx.change(500, { comm: 'app' });
  t.equal(pending(), 1, 'ns/b waits for the next turn');
  t.ok(turn(), 'the second turn checks ns/b, sees the exec, rebuilds it');
  t.ok(turn(), 'then the queue stops itself');
  t.equal(pending(), 0);
  clock.now = 1.2 * TTL;
  t.equal(get('sig', 'ns/a'), a, 'ns/a: kept by its background check at 0.8 TTL, so served as is at 1.2 TTL');
  t.not(get('sig', 'ns/b'), b, 'ns/b: rebuilt in its own turn');
  t.equal(builds(), 3, 'two builds, then one rebuild');
});

t.test('a queued check of a view a reader already checked inline does nothing', async (t) => {
  const { clock, get, turn, builds } = setup(t);
  const first = get();
  clock.now = 0.8 * TTL;
  get();
  clock.now = 2 * TTL;
  t.equal(get(), first, 'a reader past the TTL checks inline: unchanged, kept');
  t.ok(turn(), 'the queued turn runs');
  t.equal(builds(), 1, 'and neither builds nor throws');
});

t.test('a rebuild builds from what the latest reader passed (its pod, not the first reader\'s)', async (t) => {
  const fx = procFixture(t, 'v2').process({ pid: 500, comm: 'sh', start: 7000 });
  const clock = { now: 0 };
  const cache = new ViewCache<{ from: string }>(fx.proc, { snapshotTtlMs: TTL, rebuildMs: REBUILD, now: () => clock.now, defer: () => undefined });
  const read = (who: string) => cache.get('k', 'sig', () => ({ from: who }), () => [{ pid: 500, startTime: 7000 }]);
  const first = read('first reader');
  clock.now = 0.2 * TTL;
  t.equal(read('second reader'), first, 'reused as is');
  fx.change(500, { comm: 'app' });
  clock.now = 2 * TTL;
  t.same(read('third reader'), { from: 'third reader' }, "the rebuild ran the third reader's build");
});

t.test('a background rebuild that fails drops the view: the next reader builds it and gets the error', async (t) => {
  const { fx, clock, get, turn, fail } = setup(t);
  get();
  fx.change(500, { comm: 'app' });
  clock.now = 0.8 * TTL;
  get();
  fail(true);
  t.doesNotThrow(() => turn(), 'the background turn does not throw');
  t.throws(() => get(), /reading the pod: boom/, "the reader's own build fails, with its message");
  fail(false);
  const built = get();
  t.match(built, { n: 2 }, 'once it builds again');
  t.equal(get(), built, 'it is kept');
});
