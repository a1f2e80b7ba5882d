// Where procfs is: NSINSPECT_PROC read when an engine is made, not when a module is imported.
import t from 'tap';
import { HOST_PROC, procRootFromEnv } from '../../../../agent/procfs/root.js';
import { Engine } from '../../../../agent/inspect/engine.js';
import { NodeScanner } from '../../../../agent/discovery/counts.js';
import { procFixture } from '../../../helpers/proc-fixture.js';
import { APP, fixtureNode } from '../../../helpers/fixture-node.js';
import { emptyRoots } from '../../../helpers/fixture-app.js';

t.test('procRootFromEnv: NSINSPECT_PROC, else /proc (an empty value too)', async (t) => {
  t.equal(HOST_PROC, '/proc');
  t.equal(procRootFromEnv({ NSINSPECT_PROC: '/host/proc' }), '/host/proc');
  t.equal(procRootFromEnv({}), '/proc');
  t.equal(procRootFromEnv({ NSINSPECT_PROC: '' }), '/proc');
});

t.test('an engine made without a root takes NSINSPECT_PROC as it is when made', async (t) => {
  const { fx } = fixtureNode('v2', 'containerd', 'systemd', procFixture(t, 'v2'));
  const before = process.env.NSINSPECT_PROC;
  t.teardown(() => {
    if (before === undefined) delete process.env.NSINSPECT_PROC;
    else process.env.NSINSPECT_PROC = before;
  });
  process.env.NSINSPECT_PROC = fx.proc;
  const engine = new Engine(emptyRoots(t));
  const scanner = new NodeScanner(60_000);
  delete process.env.NSINSPECT_PROC;
  t.equal(engine.proc, fx.proc);
  t.equal(engine.pidSubject(200).containerID, APP, 'reads the fixture after the variable is gone');
  t.equal((await scanner.scan()).processes, 8, 'the node scanner too');
  t.equal(new Engine(emptyRoots(t)).proc, '/proc', 'a later engine sees the variable as it is then');
});
