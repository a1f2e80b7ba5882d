// prom-client's default process_* and nodejs_* metrics on the agent's registry: present, per registry, accepted by promtool.
import t from 'tap';
import { execa } from 'execa';
import { Metrics } from '../../../../agent/server/metrics.js';
import type { PodInspector } from '../../../../agent/inspect/pod-inspector.js';

const metrics = (cacheMs = 0): Metrics => new Metrics({ pods: null, inspector: {} as PodInspector, nodeCounts: () => undefined, cacheMs });

t.test('the default process and Node.js metrics are rendered beside the agent\'s own', async (t) => {
  // promtool's lint rejects prom-client's gauges named *_total: they are left out.
  const text = await metrics().render();
  for (const name of ['process_resident_memory_bytes', 'process_cpu_seconds_total', 'process_open_fds', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_version_info']) {
    t.match(text, new RegExp(`^${name}(\\{[^}]*\\})? [0-9.e+-]+$`, 'm'), name);
  }
  t.match(text, /^nsinspect_build_info\{/m, 'the agent\'s own families too');
  const rss = Number(/^process_resident_memory_bytes (\S+)$/m.exec(text)?.[1]);
  t.ok(rss > 10 * 1024 * 1024 && rss < 4 * 1024 * 1024 * 1024, `a plausible RSS: ${rss}`);
  const check = await execa('promtool', ['check', 'metrics'], { input: text, reject: false });
  t.equal(check.exitCode, 0, `promtool: ${check.stdout}${check.stderr}`);
  t.notMatch(text, /^nodejs_active_\w+_total/m, 'gauges named like counters left out');
  t.match(text, /^nodejs_active_handles\{type="\w+"\} \d+$/m, 'their by-type twins kept');
});

t.test('each agent (registry) gets its own: two in one process do not clash', async (t) => {
  const a = metrics();
  const b = metrics();
  t.match(await a.render(), /^process_open_fds /m);
  t.match(await b.render(), /^process_open_fds /m);
});

t.test('they are read at render time, so a cached render holds them too, and a new render refreshes them', async (t) => {
  const m = metrics(60_000);
  const first = await m.render();
  t.equal(await m.render(), first, 'within the window: the same text');
  const cpu = (s: string): number => Number(/^process_cpu_seconds_total (\S+)$/m.exec(s)?.[1]);
  const fresh = metrics(0);
  const before = cpu(await fresh.render());
  let x = 0;
  for (let i = 0; i < 3e7; i++) x += i;
  t.ok(x > 0);
  t.ok(cpu(await fresh.render()) > before, 'CPU time moved between two uncached renders');
});
