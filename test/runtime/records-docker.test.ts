// What dockerd told the runtime, read from the OCI bundle in containerd's moby namespace (found through the
// shim, with no root configured): `--pid/--network/--ipc container:X` name X's namespaces, as stat(2) shows.
import t from 'tap';
import { statSync } from 'node:fs';
import { readRecord } from '../../agent/discovery/records.js';
import { Engine } from '../../agent/inspect/engine.js';
import { dockerFor } from '../helpers/docker.js';
import { statNamespaces } from '../helpers/lab.js';
import { nsListJSON } from '../../agent/protocol/answers.js';

const docker = await dockerFor(t);
const roots = { containerdState: [], containerdRoot: [], crio: [] };

t.test('docker run --pid/--network/--ipc container:app: the bundle says it joins app', async (t) => {
  const app = await docker.run('rec-app', ['--network', 'none', '--ipc', 'shareable']);
  const dbg = await docker.run('rec-dbg', ['--pid', `container:${app.id}`, '--network', `container:${app.id}`, '--ipc', `container:${app.id}`]);
  const rec = readRecord(dbg.id, roots, dbg.pid);
  t.match(rec, { runtime: 'docker', containerID: dbg.id, kind: undefined, podName: undefined, containerName: 'rec-dbg' }, 'a Docker record: no CRI annotations; the name from dockerd’s config.v2.json');
  t.match(rec?.source, /\/io\.containerd\.runtime\.v2\.task\/moby\/[0-9a-f]{64}\/config\.json$/, 'read from the moby namespace’s bundle');
  const truth = statNamespaces(app.pid);
  for (const type of ['pid', 'net', 'ipc'] as const) {
    const path = rec?.namespaces.find((n) => n.type === type)?.path;
    t.ok(path, `${type}: joined from a path`);
    if (path) t.equal(statSync(path).ino, truth[type], `${type} from ${path}: app’s, as stat(2) shows`);
  }
  t.equal(rec?.namespaces.find((n) => n.type === 'mnt')?.path, undefined, 'mnt: a new one');
  const s = new Engine(roots).containerSubject(dbg.id);
  t.equal(s.record?.runtime, 'docker', 'the engine attaches it');
  t.match(nsListJSON([s]).items[0], { containerID: dbg.id, containerName: 'rec-dbg' }, 'ns names it');
});
