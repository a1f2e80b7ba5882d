// A small kustomize for tests: resources, components, namespace, images and configMapGenerator, as used in manifests/.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import jsyaml from 'js-yaml';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const MANIFESTS = join(ROOT, 'manifests');

export interface KObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: any;
}

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass', 'CustomResourceDefinition']);
const KNOWN_KEYS = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'components', 'images', 'configMapGenerator']);

/** Every document of a YAML file, empty ones dropped. */
export function loadYamlFile(path: string): any[] {
  return jsyaml.loadAll(readFileSync(path, 'utf8')).filter((d) => d !== null && d !== undefined);
}

function kustomizationOf(dir: string): any {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file) throw new Error(`${dir}: no kustomization.yaml`);
  const k = loadYamlFile(file)[0];
  for (const key of Object.keys(k)) if (!KNOWN_KEYS.has(key)) throw new Error(`${file}: this renderer does not know ${key}`);
  return k;
}

/** Renders a kustomization directory the way `kubectl kustomize` does, for the features used here. */
export function render(dir: string, asComponent = false): KObject[] {
  const k = kustomizationOf(dir);
  const wantKind = asComponent ? 'Component' : 'Kustomization';
  if (k.kind !== wantKind) throw new Error(`${dir}: kind ${k.kind}, expected ${wantKind}`);
  let objs: KObject[] = [];
  for (const r of k.resources ?? []) {
    const p = resolve(dir, r);
    if (!existsSync(p)) throw new Error(`${dir}: resource ${r} does not exist`);
    objs.push(...(statSync(p).isDirectory() ? render(p) : (loadYamlFile(p) as KObject[])));
  }
  for (const g of k.configMapGenerator ?? []) {
    const data: Record<string, string> = {};
    for (const f of g.files ?? []) {
      const [key, path] = f.includes('=') ? f.split('=') : [f.split('/').pop(), f];
      data[key] = readFileSync(resolve(dir, path), 'utf8');
    }
    if (g.options?.disableNameSuffixHash !== true) throw new Error(`${dir}: this renderer needs disableNameSuffixHash`);
    objs.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: g.name, ...(g.options?.labels ? { labels: g.options.labels } : {}) }, data });
  }
  for (const c of k.components ?? []) objs.push(...render(resolve(dir, c), true));
  for (const img of k.images ?? []) objs = objs.map((o) => setImage(o, img));
  if (k.namespace) objs = objs.map((o) => setNamespace(o, k.namespace));
  return objs;
}

function setImage(o: KObject, img: { name: string; newName?: string; newTag?: string }): KObject {
  const spec = o.spec?.template?.spec ?? o.spec;
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    const [name] = String(c.image).split(':');
    if (name === img.name) c.image = `${img.newName ?? name}:${img.newTag ?? String(c.image).split(':')[1] ?? 'latest'}`;
  }
  return o;
}

function setNamespace(o: KObject, ns: string): KObject {
  if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = ns;
  // kustomize's default (setRoleBindingSubjects: defaultOnly): only subjects named "default"
  // move; a binding to another namespace's account (Prometheus in monitoring) keeps it.
  if (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') {
    for (const s of o.subjects ?? []) if (s.name === 'default') s.namespace = ns;
  }
  return o;
}

export function find(objs: KObject[], kind: string, name?: string): KObject {
  const o = objs.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o) throw new Error(`no ${kind} ${name ?? ''} in the rendered manifests`);
  return o;
}

/** The agent's DaemonSet and its one container, from manifests/. */
export function agentDaemonSet(): { ds: KObject; container: any } {
  const ds = find(render(MANIFESTS), 'DaemonSet', 'nsinspect-agent');
  return { ds, container: ds.spec.template.spec.containers.find((c: any) => c.name === 'agent') };
}

export { dirname };
