// The host's namespaces from a fixture /proc: kthreadd first, pid 1 for what it lacks, cached per procfs root.
import t from 'tap';
import { hostNamespaces } from '../../../../agent/discovery/host.js';
import { HOST_NS, procFixture } from '../../../helpers/proc-fixture.js';

t.test('kthreadd is the witness; a type it lacks comes from pid 1', async (t) => {
  const fx = procFixture(t, 'v2');
  fx.process({ pid: 1, ppid: 0, comm: 'systemd', ns: { time: 4026531999 } });
  fx.process({ pid: 2, ppid: 0, comm: 'kthreadd', cmdline: [], ns: { time: null } });
  t.same(hostNamespaces(fx.proc), { ...HOST_NS, time: 4026531999 });
});

t.test('pid 2 not kthreadd (a pid namespace of its own): pid 1 is the witness', async (t) => {
  const fx = procFixture(t, 'v2');
  fx.process({ pid: 1, ppid: 0, comm: 'systemd' });
  fx.process({ pid: 2, ppid: 1, comm: 'sh', ns: { net: 4026532999 } });
  t.same(hostNamespaces(fx.proc), HOST_NS);
});

t.test('each procfs root has its own answer', async (t) => {
  const a = procFixture(t, 'v2');
  const b = procFixture(t, 'v1');
  a.process({ pid: 1, ppid: 0, comm: 'systemd' });
  b.process({ pid: 1, ppid: 0, comm: 'systemd', ns: { net: 4026532777 } });
  t.equal(hostNamespaces(a.proc).net, HOST_NS.net);
  t.equal(hostNamespaces(b.proc).net, 4026532777);
});
