// The kustomizations render: every file exists and parses, namespace set; same output as `kubectl kustomize` when it is here.
import t from 'tap';
import { join } from 'node:path';
import { execa } from 'execa';
import jsyaml from 'js-yaml';
import { MANIFESTS, render, type KObject } from './render.js';

const key = (o: KObject): string => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const sorted = (objs: KObject[]): KObject[] => [...objs].sort((a, b) => key(a).localeCompare(key(b)));

t.test('manifests/ renders the agent, all in nsinspect-system', async (t) => {
  const objs = render(MANIFESTS);
  t.same(objs.map(key).sort(), [
    'ClusterRole//nsinspect-agent', 'ClusterRole//nsinspect-debugger', 'ClusterRole//nsinspect-node-admin', 'ClusterRole//nsinspect-viewer',
    'ClusterRoleBinding//nsinspect-agent', 'DaemonSet/nsinspect-system/nsinspect-agent', 'Namespace//nsinspect-system',
    'NetworkPolicy/nsinspect-system/nsinspect-agent', 'Role/nsinspect-system/nsinspect-agent-access',
    'Service/nsinspect-system/nsinspect-agent-metrics', 'ServiceAccount/nsinspect-system/nsinspect-agent',
  ]);
  t.equal(new Set(objs.map(key)).size, objs.length, 'no duplicates');
  for (const o of objs) t.ok(o.metadata.labels?.['app.kubernetes.io/name'] === 'nsinspect', `${key(o)} labelled`);
});

t.test('with-prometheus adds the component: ServiceMonitor, its RBAC, PrometheusRule, dashboard ConfigMap', async (t) => {
  const objs = render(join(MANIFESTS, 'with-prometheus'));
  const extra = objs.map(key).filter((k) => !render(MANIFESTS).map(key).includes(k)).sort();
  t.same(extra, [
    'ClusterRole//nsinspect-metrics-reader', 'ClusterRoleBinding//nsinspect-metrics-reader',
    'ConfigMap/nsinspect-system/nsinspect-grafana-dashboard', 'PrometheusRule/nsinspect-system/nsinspect', 'ServiceMonitor/nsinspect-system/nsinspect-agent',
  ]);
  for (const o of objs.filter((x) => x.metadata.name === 'nsinspect-metrics-reader')) t.equal(o.metadata.labels?.['app.kubernetes.io/name'], 'nsinspect', `${key(o)} labelled`);
  const cm = objs.find((o) => o.kind === 'ConfigMap')!;
  t.equal(cm.metadata.labels?.grafana_dashboard, '1', 'the Grafana sidecar label');
  t.doesNotThrow(() => JSON.parse(cm.data['nsinspect.json']), 'the dashboard is JSON');
});

t.test('kubectl kustomize gives the same objects (skipped without a kubectl whose kustomize knows components)', async (t) => {
  const v = await execa('kubectl', ['version', '--client', '-o', 'json'], { reject: false });
  const kustomize = v.exitCode === 0 ? (JSON.parse(v.stdout).kustomizeVersion as string | undefined) : undefined;
  // Components came with kustomize v3.7; Debian's kubernetes-client 1.20 bundles v2.0.3.
  if (!kustomize || !/^v([4-9]|\d\d)\./.test(kustomize)) {
    t.skip(`kubectl ${v.exitCode === 0 ? `with kustomize ${kustomize}` : 'is missing'}: the renderer above is the check`, () => undefined);
    return;
  }
  for (const dir of [MANIFESTS, join(MANIFESTS, 'with-prometheus')]) {
    const r = await execa('kubectl', ['kustomize', dir]);
    const theirs = sorted(jsyaml.loadAll(r.stdout) as KObject[]);
    t.same(JSON.parse(JSON.stringify(theirs)), JSON.parse(JSON.stringify(sorted(render(dir)))), `${dir}: kubectl kustomize (${kustomize}) agrees`);
  }
});
