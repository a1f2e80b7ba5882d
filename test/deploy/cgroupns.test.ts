// Why the DaemonSet mounts the host's /sys/fs/cgroup: from a private cgroup namespace the pod's own cgroup mount shows no other container.
import t from 'tap';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { ROOT, agentDaemonSet } from './render.js';
import { labFor } from '../helpers/lab.js';
import { startDemoPod } from '../../lab/pod.js';
import { randomHex } from '../../lab/runc.js';

const CLI = join(ROOT, 'dist/cli/main.js');

/** The cgroup v2 hierarchy of this machine: /sys/fs/cgroup (pure v2) or its hybrid "unified" mount. */
function v2Root(): string | undefined {
  const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => / - cgroup2 /.test(l));
  return line?.split(' ')[4];
}

t.test('the DaemonSet mounts the host cgroup tree read-only over the pod\'s own', async (t) => {
  const { ds, container } = agentDaemonSet();
  const m = container.volumeMounts.find((v: { mountPath: string }) => v.mountPath === '/sys/fs/cgroup');
  t.ok(m, 'a volume at /sys/fs/cgroup');
  t.equal(m.readOnly, true);
  t.equal(m.recursiveReadOnly, 'Enabled', 'recursively read-only: cgroup v1 controllers are mounts below it');
  t.equal(m.mountPropagation ?? 'None', 'None', 'recursiveReadOnly requires no propagation');
  const vol = ds.spec.template.spec.volumes.find((v: { name: string }) => v.name === m.name);
  t.same(vol.hostPath, { path: '/sys/fs/cgroup', type: 'Directory' });
});

t.test('in a private cgroup namespace: containers found with the host cgroup mounted, not with a fresh cgroup2 mount', async (t) => {
  const root = v2Root();
  if (!root) {
    t.skip('no cgroup v2 hierarchy on this machine', () => undefined);
    return;
  }
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  // The agent's own cgroup, like a pod's: its namespace root hides every other cgroup.
  const own = join(root, `nsinspect-agent-${randomHex(8)}`);
  mkdirSync(own);
  t.teardown(() => {
    if (existsSync(own)) rmdirSync(own);
  });
  const diff = ['diff', `container/${pod.app.id}`, `container/${pod.debugger.id}`, '-o', 'json'];
  // As the runtime sets the container up: enter its cgroup, a private cgroup and mount namespace,
  // then /sys/fs/cgroup is either the host's (the DaemonSet's hostPath) or a fresh cgroup2 mount.
  const run = async (mount: 'host' | 'private') => {
    const setup = mount === 'host'
      ? ['sh', '-c', `mount --bind "$0" /mnt && umount -R /sys/fs/cgroup 2>/dev/null; mount --move /mnt /sys/fs/cgroup && exec "$@"`, root]
      : ['sh', '-c', 'umount -R /sys/fs/cgroup 2>/dev/null; mount -t cgroup2 none /sys/fs/cgroup && exec "$@"', 'sh'];
    return execa('sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', own,
      'unshare', '--mount', '--propagation', 'private', '--cgroup', '--', ...setup, process.execPath, CLI, ...diff], { reject: false, timeout: 60_000 });
  };
  const host = await run('host');
  t.equal(host.exitCode, 0, `with the host's cgroup tree: ${host.stderr}`);
  if (host.exitCode === 0) t.equal(JSON.parse(host.stdout).namespaces.find((n: { type: string }) => n.type === 'pid').shared, true, 'the debugger shares app\'s pid namespace');
  const priv = await run('private');
  t.not(priv.exitCode, 0, 'with only the pod\'s own cgroup, the containers are not found');
  t.match(priv.stderr, /no container/);
});
