// ViewCache: a view is reused for its TTL, then kept while its processes' fingerprints are the same, and rebuilt when one restarts, execs, changes namespace or credentials, or goes, and at its rebuild time; on a fixture /proc and a test clock.
import t from 'tap';
import { ViewCache } from '../../../../agent/inspect/view-cache.js';
import { procFixture } from '../../../helpers/proc-fixture.js';

const TTL = 1_000;
const REBUILD = 10_000;

function setup(t: { teardown: (fn: () => void) => void }, ttl = TTL) {
  const fx = procFixture(t, 'v2').process({ pid: 500, comm: 'sh', start: 7000 }).process({ pid: 501, comm: 'nginx', start: 7001 });
  const clock = { now: 0 };
  const cache = new ViewCache<{ n: number }>(fx.proc, { snapshotTtlMs: ttl, rebuildMs: REBUILD, now: () => clock.now });
  let builds = 0;
  const from = [{ pid: 500, startTime: 7000 }, { pid: 501, startTime: 7001 }];
  const get = (signature = 'sig') => cache.get('ns/pod', signature, () => ({ n: ++builds }), () => from);
  return { fx, clock, get, builds: () => builds };
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
