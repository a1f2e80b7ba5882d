// KUBECONFIG as kubectl reads it: missing files skipped, first current-context and first of each name win.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubeconfig } from '../../../../cli/cluster/client-node.js';

const file = (dir: string, name: string, o: { current?: string; cluster: string; server: string; user: string; token: string; context: string }): string => {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', ...(o.current ? { 'current-context': o.current } : {}),
    clusters: [{ name: o.cluster, cluster: { server: o.server } }],
    users: [{ name: o.user, user: { token: o.token } }],
    contexts: [{ name: o.context, context: { cluster: o.cluster, user: o.user, namespace: o.context } }],
  }));
  return p;
};

t.test('missing files are skipped; the first value wins', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nsinspect-kc-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const a = file(dir, 'a', { cluster: 'c1', server: 'https://a.example:6443', user: 'u', token: 'ta', context: 'ctx-a' });
  const b = file(dir, 'b', { current: 'ctx-b', cluster: 'c1', server: 'https://b.example:6443', user: 'u', token: 'tb', context: 'ctx-b' });
  const c = file(dir, 'c', { current: 'ctx-c', cluster: 'c3', server: 'https://c.example:6443', user: 'u3', token: 'tc', context: 'ctx-c' });
  const kc = loadKubeconfig(undefined, { KUBECONFIG: [join(dir, 'missing'), a, join(dir, 'gone'), b, c].join(':') });
  t.equal(kc.getCurrentContext(), 'ctx-b', 'the first file that sets current-context wins');
  t.equal(kc.getCluster('c1')?.server, 'https://a.example:6443', 'the first cluster of a name wins, without a duplicate error');
  t.equal(kc.getUser('u')?.token, 'ta');
  t.same(kc.getContexts().map((x) => x.name), ['ctx-a', 'ctx-b', 'ctx-c']);
  t.throws(() => loadKubeconfig(undefined, { KUBECONFIG: join(dir, 'missing') }), /none of the files in KUBECONFIG exists/);
  t.throws(() => loadKubeconfig(join(dir, 'missing')), 'an explicit --kubeconfig must exist');
});

t.test('the small reader: the same merge, the current context resolved, unusual users left to client-node', async (t) => {
  const { kubeconfigFiles, readKubeconfig, targetOf } = await import('../../../../cli/cluster/kubeconfig.js');
  const dir = mkdtempSync(join(tmpdir(), 'nsinspect-kc-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const a = file(dir, 'a', { cluster: 'c1', server: 'https://a.example:6443/', user: 'u', token: 'ta', context: 'ctx-a' });
  const b = file(dir, 'b', { current: 'ctx-b', cluster: 'c1', server: 'https://b.example:6443', user: 'u', token: 'tb', context: 'ctx-b' });
  const files = kubeconfigFiles(undefined, { KUBECONFIG: [join(dir, 'missing'), a, b].join(':') });
  t.same(files, [a, b], 'missing files skipped');
  t.throws(() => kubeconfigFiles(undefined, { KUBECONFIG: join(dir, 'missing') }), /none of the files in KUBECONFIG exists/);
  const kc = await readKubeconfig(files);
  t.equal(kc.currentContext, 'ctx-b');
  t.match(targetOf(kc, 'ctx-b'), { server: 'https://a.example:6443', token: 'ta', namespace: 'ctx-b', userName: 'u', insecure: false }, 'first cluster and user of a name win; trailing slash dropped');

  // YAML, relative paths against the file's directory, certificates from files, an exec plugin.
  writeFileSync(join(dir, 'ca.crt'), 'CA');
  writeFileSync(join(dir, 'tok'), 'from-file\n');
  const y = join(dir, 'y.yaml');
  writeFileSync(y, [
    'apiVersion: v1', 'kind: Config', 'current-context: x',
    'clusters:', '- name: x', '  cluster: {server: "https://x.example", certificate-authority: ca.crt}',
    '- name: px', '  cluster: {server: "https://x.example", proxy-url: "http://proxy:3128"}',
    'users:', '- name: x', '  user: {tokenFile: tok}',
    '- name: e', '  user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ./bin/plugin, args: [a]}}',
    '- name: ap', '  user: {auth-provider: {name: oidc}}',
    'contexts:', '- name: x', '  context: {cluster: x, user: x}', '- name: e', '  context: {cluster: x, user: e}',
    '- name: ap', '  context: {cluster: x, user: ap}', '- name: px', '  context: {cluster: px, user: x}',
  ].join('\n'));
  const ky = await readKubeconfig([y]);
  t.match(targetOf(ky, 'x'), { ca: Buffer.from('CA'), tokenFile: join(dir, 'tok'), namespace: 'default' });
  t.match(targetOf(ky, 'e')?.exec, { command: join(dir, 'bin/plugin'), args: ['a'] }, 'a plugin path with a slash is relative to the kubeconfig');
  t.equal(targetOf(ky, 'ap'), undefined, 'auth-provider: client-node');
  t.equal(targetOf(ky, 'px'), undefined, 'proxy-url: client-node');
});
