// Table-driven tests of ref and PID parsing at the CLI's edge.
import t from 'tap';
import { parseLocalRef, parsePid } from '../../../../agent/protocol/refs.js';

t.test('parseLocalRef accepts', async (t) => {
  const id = 'abcdef012345'.repeat(5) + 'abcd';
  const cases: Array<[string, object]> = [
    ['pid/42', { kind: 'pid', pid: 42 }],
    ['p/1', { kind: 'pid', pid: 1 }],
    ['container/abcdef012345', { kind: 'container', prefix: 'abcdef012345' }],
    [`container/${id}`, { kind: 'container', prefix: id }],
    [`container/containerd://${id}`, { kind: 'container', prefix: id }],
    [`c/cri-o://${id}`, { kind: 'container', prefix: id }],
  ];
  for (const [input, want] of cases) t.match(parseLocalRef(input), want, input);
});

t.test('parseLocalRef rejects with INVALID', async (t) => {
  const bad = ['pid/0', 'pid/-1', 'pid/1.5', 'pid/abc', 'pid/', 'pid/99999999', 'pid/1;rm -rf /', 'container/abc', 'container/ABCDEF012345',
    'container/abcdef01234g', `container/${'a'.repeat(65)}`, 'container/$(id)', 'web', 'pod/web', 'node/x', '', '/'];
  for (const input of bad) {
    t.throws(() => parseLocalRef(input), { code: 'INVALID' }, JSON.stringify(input));
  }
});

t.test('parsePid', async (t) => {
  t.equal(parsePid('4194304'), 4194304);
  for (const s of ['4194305', '0', '01', ' 1', '1e3', '0x10']) t.equal(parsePid(s), undefined, s);
});

t.test('node-local pod refs: NAMESPACE/POD, --local, and no kubeconfig', async (t) => {
  const { isNamespacedPodRef, nodePodRef, routesLocal } = await import('../../../../cli/refs.js');
  const yes = ['shop/web', 'kube-system/coredns-5d78c9869d-abcde'];
  const no = ['web', 'pod/web', 'po/web', 'pods/web', 'pid/1', 'container/abcdef012345', 'a/b/c', '/web', 'shop/'];
  for (const s of yes) t.ok(isNamespacedPodRef(s), `${s}: NAMESPACE/POD`);
  for (const s of no) t.notOk(isNamespacedPodRef(s), `${s}: not NAMESPACE/POD`);
  t.same(nodePodRef('shop/web'), { namespace: 'shop', name: 'web' });
  t.same(nodePodRef('pod/web', 'shop'), { namespace: 'shop', name: 'web' });
  t.same(nodePodRef('web'), { namespace: 'default', name: 'web' });
  t.throws(() => nodePodRef('shop/web', 'other'), { code: 'INVALID', message: /names namespace shop, but -n says other/ });
  t.throws(() => nodePodRef('Shop/web'), { code: 'INVALID', message: /invalid namespace/ });
  const none = { KUBECONFIG: '/nonexistent', HOME: '/nonexistent' };
  t.ok(routesLocal('shop/web', { kubeconfig: '/k' }, none), 'NAMESPACE/POD: always here');
  t.ok(routesLocal('web', { local: true, kubeconfig: '/k' }, none), '--local: here');
  t.notOk(routesLocal('web', { kubeconfig: '/k' }, none), '--kubeconfig: the cluster');
  t.notOk(routesLocal('web', { agent: 'http://x' }, none), '--agent: the cluster');
  t.equal(routesLocal('web', {}, none), process.geteuid?.() === 0, 'no kubeconfig: here when root');
  t.notOk(routesLocal('web', {}, { KUBECONFIG: '/etc/hostname', HOME: '/nonexistent' }), 'a KUBECONFIG that exists: the cluster');
});
