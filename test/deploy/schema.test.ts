// Every rendered manifest against the OpenAPI schemas (kubernetes-models, prometheus-operator), plus a check for unknown fields.
import t from 'tap';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import jsyaml from 'js-yaml';
import { dumpYaml, loadYaml } from '@kubernetes/client-node';
import { MANIFESTS, render, type KObject } from './render.js';

const require = createRequire(import.meta.url);

/** The kubernetes-models class for an apiVersion and kind. */
function modelOf(o: KObject): new (d: unknown) => { validate(): void } {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const path = group === 'monitoring.coreos.com'
    ? `@kubernetes-models/prometheus-operator/${group}/${version}/${o.kind}`
    : `kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`;
  return require(path)[o.kind];
}

/** Fields client-node's typed model does not know are dropped by a load/dump round trip: a typo shows up here. */
function unknownFields(o: KObject): string[] {
  const back = jsyaml.load(dumpYaml(loadYaml(jsyaml.dump(o)))) as KObject;
  const out: string[] = [];
  const walk = (a: any, b: any, path: string): void => {
    if (a === null || typeof a !== 'object') return;
    for (const k of Object.keys(a)) {
      // Free-form maps (labels, data, resources) keep every key, so only typed fields are compared.
      if (b === null || typeof b !== 'object' || !(k in b)) out.push(`${path}.${k}`);
      else walk(a[k], b[k], `${path}.${k}`);
    }
  };
  walk(o, back, o.kind);
  return out;
}

const all = [...render(join(MANIFESTS, 'with-prometheus'))];

t.test('every object validates against its schema', async (t) => {
  for (const o of all) {
    t.doesNotThrow(() => new (modelOf(o))(o).validate(), `${o.kind} ${o.metadata.name}`);
  }
});

t.test('core objects have no field the API would drop', async (t) => {
  for (const o of all.filter((x) => !x.apiVersion.startsWith('monitoring.coreos.com'))) {
    t.same(unknownFields(o), [], `${o.kind} ${o.metadata.name}`);
  }
});

t.test('the checks catch broken manifests', async (t) => {
  const ds = structuredClone(all.find((o) => o.kind === 'DaemonSet')!);
  ds.spec.template.spec.hostPID = 'yes';
  t.throws(() => new (modelOf(ds))(ds).validate(), /hostPID must be boolean/);
  const typo = structuredClone(all.find((o) => o.kind === 'DaemonSet')!);
  typo.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true;
  t.same(unknownFields(typo), ['DaemonSet.spec.template.spec.containers.0.securityContext.readOnlyRootFileSystem']);
  const sm = structuredClone(all.find((o) => o.kind === 'ServiceMonitor')!);
  sm.spec.endpoints[0].honorLabels = 'true';
  t.throws(() => new (modelOf(sm))(sm).validate(), /honorLabels must be boolean/);
  const rule = structuredClone(all.find((o) => o.kind === 'PrometheusRule')!);
  delete rule.spec.groups[0].name;
  t.throws(() => new (modelOf(rule))(rule).validate(), /name/);
});
