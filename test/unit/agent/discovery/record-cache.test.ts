// The record cache: one read per container init process, a fresh read for a new init, nothing kept that was not found or is dockerd's, a bound on entries.
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordCache } from '../../../../agent/discovery/record-cache.js';

const ids = ['a', 'b', 'c', 'f'].map((x) => x.repeat(64)) as [string, string, string, string];
const spec = (name: string) => JSON.stringify({ annotations: { 'io.kubernetes.cri.container-name': name, 'io.kubernetes.cri.container-type': 'container' } });

t.test('records are read once per init process', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nsinspect-record-cache-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const put = (ns: string, id: string, body: string) => {
    mkdirSync(join(dir, 'state/io.containerd.runtime.v2.task', ns, id), { recursive: true });
    writeFileSync(join(dir, 'state/io.containerd.runtime.v2.task', ns, id, 'config.json'), body);
  };
  const [a, b, c, missing] = ids;
  put('k8s.io', a, spec('app'));
  put('k8s.io', b, spec('sidecar'));
  put('moby', c, spec('web'));
  // An empty procfs root: the init pids have no shim to follow, only the configured state dir is read.
  const proc = join(dir, 'proc');
  mkdirSync(proc);
  const cache = new RecordCache({ containerdState: [join(dir, 'state')], containerdRoot: [], crio: [] }, proc, 2);

  const first = cache.get(a, 100, 5000);
  t.match(first, { containerName: 'app', runtime: 'containerd' });
  put('k8s.io', a, spec('renamed'));
  t.equal(cache.get(a, 100, 5000), first, 'the same init: the record as first read');
  t.match(cache.get(a, 100, 7000), { containerName: 'renamed' }, 'pid reused (another start time): read again');
  t.match(cache.get(a, 101, 5000), { containerName: 'renamed' }, 'another init pid: read again');

  t.equal(cache.get(missing, 1, 1), undefined, 'no record: undefined');
  put('k8s.io', missing, spec('late'));
  t.match(cache.get(missing, 1, 1), { containerName: 'late' }, 'a record written after a miss is found');

  t.match(cache.get(c, 300, 1), { runtime: 'docker' });
  put('moby', c, spec('web2'));
  t.match(cache.get(c, 300, 1), { runtime: 'docker', containerName: 'web2' }, "dockerd's records are read every time");

  t.ok(cache.size <= 2, `bounded: ${cache.size} entries`);
  const bFirst = cache.get(b, 200, 1);
  t.equal(cache.get(b, 200, 1), bFirst, 'the newest entry is kept');
});
