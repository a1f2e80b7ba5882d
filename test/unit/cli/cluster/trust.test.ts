// Which agent URLs may receive a token, and which agent pods are the DaemonSet's.
import t from 'tap';
import type { V1Pod } from '@kubernetes/client-node';
import { checkAgentURL, controlledByDaemonSet, pickAgentPod } from '../../../../cli/cluster/trust.js';

t.test('checkAgentURL: https anywhere, http only on loopback', async (t) => {
  for (const ok of ['https://agent.example.com:9742', 'http://127.0.0.1:9742', 'http://127.1.2.3', 'http://localhost:1', 'http://[::1]:9742', 'http://0x7f.0.0.1:9742']) {
    t.doesNotThrow(() => checkAgentURL(ok), ok);
  }
  for (const bad of ['http://10.0.0.1', 'http://[::ffff:10.0.0.1]', 'http://evil.localhost', 'http://localhost.evil.com', 'http://128.0.0.1']) {
    t.throws(() => checkAgentURL(bad), { code: 'INVALID', message: /refusing to send your token over plain http/ }, bad);
  }
  t.throws(() => checkAgentURL('not a url'), { code: 'INVALID', message: /invalid --agent URL/ });
  t.throws(() => checkAgentURL('https://user:pw@agent.example.com'), { message: /must not hold credentials/ });
});

t.test('pickAgentPod: only a running pod whose controller is the DaemonSet', async (t) => {
  const pod = (name: string, owner?: object, phase = 'Running'): V1Pod => ({ metadata: { name, ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', uid: 'u', ...owner }] } : {}) }, status: { phase } }) as V1Pod;
  const ds = { kind: 'DaemonSet', name: 'nsinspect-agent', controller: true };
  t.ok(controlledByDaemonSet(pod('a', ds), 'nsinspect-agent'));
  t.notOk(controlledByDaemonSet(pod('a', { ...ds, apiVersion: 'v1' }), 'nsinspect-agent'), 'not apps/');
  t.equal(pickAgentPod([pod('fake', { kind: 'ReplicaSet', name: 'x', controller: true }), pod('real', ds)], 'n', 'ns', 'nsinspect-agent')?.metadata?.name, 'real', 'the owned one, beside an impostor');
  t.equal(pickAgentPod([pod('old', ds, 'Failed')], 'n', 'ns', 'nsinspect-agent'), undefined, 'none running: not found');
  t.throws(() => pickAgentPod([pod('fake')], 'n', 'ns', 'nsinspect-agent'), { code: 'FORBIDDEN', message: /refusing to send your token to pod ns\/fake on node n/ });
});
