// The engine's one record path: a container's init and any other of its processes read its record through the same cache entry.
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../../../agent/inspect/engine.js';
import { procFixture } from '../../../helpers/proc-fixture.js';
import { APP, fixtureNode } from '../../../helpers/fixture-node.js';
import { emptyRoots } from '../../../helpers/fixture-app.js';

const spec = (name: string) => JSON.stringify({ annotations: { 'io.kubernetes.cri.container-name': name, 'io.kubernetes.cri.container-type': 'container' } });

t.test('pidSubject of a non-init process reads its container’s record through the cache, keyed by the init', async (t) => {
  const { fx } = fixtureNode('v2', 'containerd', 'systemd', procFixture(t, 'v2'));
  const roots = emptyRoots(t);
  const put = (name: string) => {
    const dir = join(roots.containerdState[0]!, 'io.containerd.runtime.v2.task', 'k8s.io', APP);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), spec(name));
  };
  put('app');
  const engine = new Engine(roots, fx.proc);
  // 201 is the app's worker; 200 its init.
  t.match(engine.pidSubject(201).record, { containerID: APP, containerName: 'app' }, 'the worker: its container’s record');
  put('renamed');
  t.match(engine.pidSubject(201).record, { containerName: 'app' }, 'read once: the worker again');
  t.match(engine.containerSubject(APP).record, { containerName: 'app' }, 'the init shares the entry');
  t.match(engine.pidSubject(200).record, { containerName: 'app' }, 'the init as a pid too');
  t.match(new Engine(roots, fx.proc).pidSubject(201).record, { containerName: 'renamed' }, 'a new engine (a new cache) reads the file again');
});
