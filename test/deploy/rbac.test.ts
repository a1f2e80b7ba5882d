// RBAC equals the code: the agent's ClusterRole is exactly its API calls, the user roles exactly what the CLI calls and the routes check.
import t from 'tap';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { MANIFESTS, ROOT, find, render } from './render.js';
import { NODE, agentFor, apiServerFor, get } from '../helpers/cluster.js';
import { waitFor } from '../helpers/lab.js';
import { makePod } from '../fake-apiserver/index.js';

type Perm = string; // "verb group/resource[/subresource]"
const perm = (verb: string, group: string, resource: string): Perm => `${verb} ${group}/${resource}`;

/**
 * Each API call the code may make, and the permission it needs. Keys are client-node API methods
 * (found by name in the source), or "watch <path>" for an informer's ListWatch, or a helper class.
 */
const CALLS: Record<string, Perm> = {
  listPodForAllNamespaces: perm('list', '', 'pods'),
  'watch /api/v1/pods': perm('watch', '', 'pods'),
  createTokenReview: perm('create', 'authentication.k8s.io', 'tokenreviews'),
  createSubjectAccessReview: perm('create', 'authorization.k8s.io', 'subjectaccessreviews'),
  readNamespacedPod: perm('get', '', 'pods'),
  readNamespace: perm('get', '', 'namespaces'),
  listNamespacedPod: perm('list', '', 'pods'),
  PortForward: perm('create', '', 'pods/portforward'),
};
/** Whether a call is declared (own keys only: `in` would take toString for one). */
const declared = (call: string): boolean => Object.hasOwn(CALLS, call);
/** The permission a call needs; an undeclared call gets a name no role grants, so the comparisons fail on it too. */
const permOf = (call: string): Perm => (declared(call) ? CALLS[call] : undefined) ?? `(undeclared: ${call})`;
const HELPERS = ['Watch', 'ListWatch', 'PortForward', 'Exec', 'Attach', 'Log', 'Cp', 'Metrics', 'makeInformer', 'KubernetesObjectApi'];

/** The methods of a client-node API class, e.g. CoreV1Api: listNamespacedPod, readNamespacedPod... */
function apiMethods(cls: string): string[] {
  const v = (k8s as Record<string, unknown>)[cls] as { prototype: object } | undefined;
  return v ? Object.getOwnPropertyNames(v.prototype).filter((m) => m !== 'constructor') : [];
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/**
 * The Kubernetes API calls in the TypeScript under dir: methods of the client-node API classes a
 * file imports, informer paths, and client-node helpers (their own names: a generic
 * KubernetesObjectApi would need declaring by hand).
 */
/** The name an import specifier brings in from its module: "type Foo as Bar" -> "Foo". */
function importedName(spec: string): string {
  const [name = ''] = spec.trim().replace(/^type\s+/, '').split(/\s+as\s+/);
  return name;
}

function callsIn(dir: string): Set<string> {
  const found = new Set<string>();
  for (const file of sources(join(ROOT, dir))) {
    const src = readFileSync(file, 'utf8');
    const imported = [...src.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@kubernetes\/client-node'/g)]
      .flatMap(([, specs = '']) => specs.split(',').map(importedName))
      .filter(Boolean);
    if (/from '@kubernetes\/client-node'/.test(src) && !/import\s*(?:type\s*)?\{/.test(src)) found.add('unparsed import of client-node');
    const methods = new Set(imported.filter((n) => /Api$/.test(n) && n !== 'KubernetesObjectApi').flatMap(apiMethods));
    for (const [, name] of src.matchAll(/\.([a-zA-Z]+)\(/g)) if (name !== undefined && methods.has(name)) found.add(name);
    for (const [, path] of src.matchAll(/new ListWatch(?:<\w+>)?\(\s*'([^']+)'/g)) if (path !== undefined) found.add(`watch ${path}`);
    for (const h of HELPERS) {
      if (h === 'Watch' || h === 'ListWatch' || !imported.includes(h)) continue;
      if (new RegExp(`\\b${h}\\b`).test(src.replace(/import[^;]*;/g, ''))) found.add(h);
    }
  }
  return found;
}

/** The permissions a Role or ClusterRole grants, one per verb and resource. */
function grants(rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }>): Set<Perm> {
  const out = new Set<Perm>();
  for (const r of rules) for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) out.add(perm(v, g, res));
  return out;
}

/** The permission each /v1 route checks with a SubjectAccessReview, from its access declaration. */
function routeChecks(): Set<Perm> {
  const out = new Set<Perm>();
  for (const file of sources(join(ROOT, 'agent/server/routes'))) {
    const src = readFileSync(file, 'utf8');
    for (const [, verb, resource, subresource] of src.matchAll(/verb: '(\w+)', resource: '(\w+)'(?:, subresource: '(\w+)')?/g)) {
      if (verb !== undefined && resource !== undefined) out.add(perm(verb, '', subresource ? `${resource}/${subresource}` : resource));
    }
    // The helpers of agent/server/permissions.ts, each one permission.
    if (/\bgetPod\(/.test(src)) out.add(perm('get', '', 'pods'));
    if (/\bexecPod\(/.test(src)) out.add(perm('create', '', 'pods/exec'));
    for (const [, verb] of src.matchAll(/\bnodeProxy\('(\w+)'/g)) if (verb !== undefined) out.add(perm(verb, '', 'nodes/proxy'));
  }
  return out;
}

const objs = render(MANIFESTS);
const rulesOf = (kind: string, name: string): Set<Perm> => grants(find(objs, kind, name).rules);

t.test('the agent ClusterRole grants exactly what agent/ calls', async (t) => {
  const calls = callsIn('agent');
  t.ok(calls.size >= 3, `found the agent's calls: ${[...calls].join(', ')}`);
  for (const c of calls) t.ok(declared(c), `${c} is declared with its permission`);
  t.same([...rulesOf('ClusterRole', 'nsinspect-agent')].sort(), [...new Set([...calls].map(permOf))].sort());
  const binding = find(objs, 'ClusterRoleBinding', 'nsinspect-agent');
  t.same(binding.subjects, [{ kind: 'ServiceAccount', name: 'nsinspect-agent', namespace: 'nsinspect-system' }]);
  t.equal(find(objs, 'DaemonSet').spec.template.spec.serviceAccountName, 'nsinspect-agent');
});

/**
 * Completion's best-effort candidates (namespaces for -n, nodes for --node), as kubectl's own
 * completion lists them: no nsinspect role grants them, and a 403 just completes nothing.
 */
const COMPLETION_ONLY: Record<string, Perm> = { listNamespace: perm('list', '', 'namespaces'), listNode: perm('list', '', 'nodes') };

t.test('the user roles grant exactly what the CLI calls and the routes check', async (t) => {
  const cli = [...callsIn('cli')].filter((c) => !Object.hasOwn(COMPLETION_ONLY, c));
  for (const c of cli) t.ok(declared(c), `${c} is declared with its permission`);
  const cliPerms = new Set(cli.map(permOf));
  const routes = routeChecks();
  t.same([...routes].sort(), ['create /nodes/proxy', 'create /pods/exec', 'get /nodes/proxy', 'get /pods'], 'the routes checks, as found');
  const viewer = rulesOf('ClusterRole', 'nsinspect-viewer');
  const debuggerRole = rulesOf('ClusterRole', 'nsinspect-debugger');
  const nodeAdmin = rulesOf('ClusterRole', 'nsinspect-node-admin');
  const access = rulesOf('Role', 'nsinspect-agent-access');
  // Reading pods in the users' namespaces: what the CLI calls there, and the agent's get-pods check.
  const podReads = [...cliPerms].filter((p) => p !== CALLS.PortForward);
  t.same([...viewer].sort(), podReads.sort(), 'viewer: the CLI reads of pods (get, list)');
  t.same([...debuggerRole].sort(), [...podReads, perm('create', '', 'pods/exec')].sort(), 'debugger: viewer + pods/exec');
  // Exec by pod needs both create nodes/proxy and create pods/exec: only the node admin has both.
  t.same([...nodeAdmin].sort(), [...new Set([...routes].filter((p) => p.includes('nodes/proxy')).concat([...debuggerRole]))].sort(), 'node-admin: the node-level routes + the debugger role');
  t.notOk(debuggerRole.has(perm('create', '', 'nodes/proxy')), 'the debugger role cannot exec (exec is root on the node)');
  // Reaching the agent: list the agent pods of a node, port-forward to one.
  t.same([...access].sort(), [perm('create', '', 'pods/portforward'), perm('list', '', 'pods')].sort());
  for (const p of routes) t.ok(viewer.has(p) || debuggerRole.has(p) || nodeAdmin.has(p), `${p} is granted by a user role`);
  for (const p of cliPerms) t.ok(viewer.has(p) || access.has(p), `${p} (CLI) is granted by viewer or agent-access`);
  t.notOk([...viewer, ...debuggerRole].some((p) => p.includes('portforward')), 'no cluster-wide port-forward');
});

t.test('a running agent calls only what its ClusterRole grants', async (t) => {
  const srv = await apiServerFor(t);
  const agent = await agentFor(t, srv);
  t.equal((await get(agent, '/v1/pods/shop/nope', 'viewer-token')).status, 404);
  await get(agent, '/v1/containers', 'admin-token');
  // A pod's diff reads its namespace's Pod Security label (the containers need not exist for that).
  srv.pods.add(makePod({ name: 'web', namespace: 'shop', nodeName: NODE, containers: ['app'], ephemeralContainers: [{ name: 'debugger', targetContainerName: 'app' }] }));
  await waitFor('the pod in the agent', () => agent.pods?.get('shop', 'web'), 5_000);
  await get(agent, '/v1/pods/shop/web/diff?debugger=debugger', 'debugger-token');
  const granted = rulesOf('ClusterRole', 'nsinspect-agent');
  const used = new Set<Perm>();
  for (const r of srv.requests) {
    if (r.verb === 'GET' && /^\/api\/v1\/namespaces\/[^/]+$/.test(r.path)) {
      used.add(perm('get', '', 'namespaces'));
      continue;
    }
    const [, group = '', resource] = /^\/(?:api\/v1|apis\/([^/]+)\/v1)\/(\w+)$/.exec(r.path) ?? [];
    if (resource === undefined) {
      t.fail(`unexpected request ${r.verb} ${r.path}`);
      continue;
    }
    const verb = r.verb === 'WATCH' ? 'watch' : r.verb === 'POST' ? 'create' : r.verb === 'GET' ? 'list' : r.verb.toLowerCase();
    used.add(perm(verb, group, resource));
  }
  t.same([...used].sort(), [...granted].sort(), 'list+watch pods, get a namespace, a TokenReview, SubjectAccessReviews: nothing else, nothing unused');
});
