// The metrics registry's render cache (one render per window, shared in flight) and the opt-in per-pod families.
import t from 'tap';
import { Metrics, type MetricsDeps } from '../../../../agent/server/metrics.js';
import type { PodDirectory, PodInfo } from '../../../../agent/model/pod.js';
import type { PodInspector } from '../../../../agent/inspect/pod-inspector.js';
import type { PodView } from '../../../../agent/model/pod-view.js';

/** One pod in another namespace, with a debugger: what a scraper must not learn unless asked. */
const POD: PodView = {
  pod: { namespace: 'payroll', name: 'salaries-7f9c', uid: 'u-1', hostNetwork: false, hostPID: false, hostIPC: false, shareProcessNamespace: false, hostUsers: true, containers: [] },
  containers: [
    { name: 'app', kind: 'app', state: 'running', pid: 10, namespaces: { pid: 4026532001, net: 4026532002 }, owners: {} },
    { name: 'debugger', kind: 'ephemeral', state: 'running', pid: 11, target: 'app', image: 'busybox', startedAt: '2026-11-28T10:00:00Z', namespaces: { pid: 4026532001, net: 4026532002 }, owners: {}, access: { target: 'app', ptrace: 'no', readRoot: 'unknown', ptraceBlockedBy: 'NO_CAP_SYS_PTRACE' } },
  ],
  sharing: {} as PodView['sharing'],
  mismatches: [{ container: 'debugger', type: 'pid', cause: 'runtime_ignored_target' }] as unknown as PodView['mismatches'],
  layers: [],
};

function metricsWith(over: Partial<MetricsDeps>): { m: Metrics; views: () => number } {
  let views = 0;
  const pods = { list: () => [{} as PodInfo], synced: () => true, get: () => undefined, byContainerID: () => undefined } as PodDirectory;
  const inspector = { pod: () => (views++, POD) } as unknown as PodInspector;
  return { m: new Metrics({ pods, inspector, nodeCounts: () => undefined, ...over }), views: () => views };
}

t.test('scrapes within the cache window share one render', async (t) => {
  const { m, views } = metricsWith({ cacheMs: 60_000 });
  const a = await m.render();
  const b = await m.render();
  t.equal(m.renders, 1, 'two scrapes, one render');
  t.equal(views(), 1, 'the pods were read once');
  t.equal(b, a, 'the same text');
  const [c, d] = await Promise.all([m.render(), m.render()]);
  t.equal(c, d);
  t.equal(m.renders, 1, 'concurrent scrapes in the window: still one render');
});

t.test('concurrent scrapes share the render in flight', async (t) => {
  const { m } = metricsWith({ cacheMs: 60_000 });
  const texts = await Promise.all(Array.from({ length: 20 }, () => m.render()));
  t.equal(m.renders, 1, '20 scrapes at once, one render');
  t.equal(new Set(texts).size, 1);
});

t.test('without a cache every scrape renders', async (t) => {
  const { m } = metricsWith({ cacheMs: 0 });
  await m.render();
  await m.render();
  t.equal(m.renders, 2);
});

t.test('a failed render is not kept', async (t) => {
  let fail = true;
  const { m } = metricsWith({ cacheMs: 60_000, nodeCounts: () => {
    if (fail) throw new Error('boom');
    return undefined;
  } });
  await t.rejects(m.render(), /boom/);
  fail = false;
  await t.resolves(m.render(), 'the next scrape renders again');
  t.equal(m.renders, 2);
});

t.test('per-pod families (namespace and pod labels) only when asked for', async (t) => {
  const off = await metricsWith({}).m.render();
  t.notMatch(off, /payroll|salaries/, 'by default no pod name or namespace is exported');
  t.match(off, /^nsinspect_scrape_success 1$/m, 'the pods were still read');
  for (const name of ['nsinspect_ephemeral_container_info', 'nsinspect_ephemeral_access', 'nsinspect_ephemeral_namespace_shared', 'nsinspect_ephemeral_container_start_time_seconds', 'nsinspect_namespace_mismatch', 'nsinspect_container_namespace_info']) {
    t.notMatch(off, new RegExp(`^${name}\\{`, 'm'), `${name}: no samples`);
  }
  const on = await metricsWith({ podLabels: true }).m.render();
  t.match(on, /^nsinspect_ephemeral_container_info\{namespace="payroll",pod="salaries-7f9c",container="debugger",target_container="app",image="busybox"\} 1$/m);
  t.match(on, /^nsinspect_namespace_mismatch\{namespace="payroll",pod="salaries-7f9c",container="debugger",type="pid",cause="runtime_ignored_target"\} 1$/m);
  t.match(on, /^nsinspect_ephemeral_access\{namespace="payroll",pod="salaries-7f9c",container="debugger",target_container="app",op="ptrace"\} 0$/m, 'a debugger that cannot ptrace its target: 0');
  t.match(on, /^nsinspect_ephemeral_access\{namespace="payroll",pod="salaries-7f9c",container="debugger",target_container="app",op="read-root"\} -1$/m, 'cannot tell: -1');
  t.notMatch(on, /^nsinspect_container_namespace_info\{/m, 'inodes stay behind their own flag');
  const inodes = await metricsWith({ containerInodes: true }).m.render();
  t.match(inodes, /^nsinspect_container_namespace_info\{namespace="payroll",pod="salaries-7f9c",container="app",type="pid",inode="4026532001"\} 1$/m);
  t.match(inodes, /^nsinspect_ephemeral_container_info\{namespace="payroll"/m, 'the inode flag implies pod labels');
});
