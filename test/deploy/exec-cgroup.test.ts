// Exec sessions under the DaemonSet's mounts: a read-only host cgroup tree, one writable directory for the sessions, a private cgroup namespace.
import t from 'tap';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { execa } from 'execa';
import { ROOT, agentDaemonSet } from './render.js';
import { labFor, waitFor } from '../helpers/lab.js';
import { running } from '../helpers/children.js';
import { freePort } from '../helpers/agent-process.js';
import { startDemoPod } from '../../lab/pod.js';

const CLI = join(ROOT, 'dist/cli/main.js');
const { ds, container } = agentDaemonSet();

/** The cgroup v2 hierarchy of this machine: /sys/fs/cgroup (pure v2) or its hybrid "unified" mount. */
function v2Root(): string | undefined {
  const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => / - cgroup2 /.test(l));
  return line?.split(' ')[4];
}

t.test('the DaemonSet gives the sessions one writable cgroup directory, the flag names it, the rest stays read-only', async (t) => {
  const arg = (container.args as string[]).find((a) => a.startsWith('--exec-cgroup-dir='));
  t.ok(arg, 'the agent is told where the sessions go');
  const dir = arg?.slice('--exec-cgroup-dir='.length);
  const m = container.volumeMounts.find((v: { mountPath: string }) => v.mountPath === dir);
  t.ok(m, `a volume is mounted at ${dir}`);
  t.notOk(m?.readOnly, 'writable');
  const vol = ds.spec.template.spec.volumes.find((v: { name: string }) => v.name === m?.name);
  t.same(vol?.hostPath, { path: dir, type: 'DirectoryOrCreate' }, 'the same path on the host, made by the kubelet on first start');
  const tree = container.volumeMounts.find((v: { mountPath: string }) => v.mountPath === '/sys/fs/cgroup');
  t.equal(tree.readOnly, true, 'the rest of the cgroup tree stays read-only');
  t.equal(tree.recursiveReadOnly, 'Enabled');
});

t.test('as the DaemonSet runs it: sessions get a cgroup in the writable directory, joined from the host\'s cgroup namespace, killed as a unit', async (t) => {
  const root = v2Root();
  if (!root) return t.skip('no cgroup v2 hierarchy on this machine', () => undefined);
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const tag = randomBytes(6).toString('hex');
  // The agent's own cgroup, like a pod's, and the directory the kubelet would make from the hostPath.
  const own = join(root, `nsinspect-agent-${tag}`);
  const sessions = `nsinspect-exec-test-${tag}`;
  for (const d of [own, join(root, sessions)]) mkdirSync(d);
  let agent: ReturnType<typeof execa> | undefined;
  t.teardown(async () => {
    agent?.kill('SIGKILL');
    await agent;
    for (const d of [join(root, sessions), own]) if (existsSync(d)) rmdirSync(d);
  });
  const port = await freePort();
  // As the runtime sets the container up: its own cgroup, a private cgroup and mount namespace,
  // the host's cgroup tree read-only (each mount below /sys/fs/cgroup: recursiveReadOnly), and the
  // sessions' directory bound writable over it at the same path.
  const setup = [
    'set -e',
    'mount --bind "$0" /mnt',
    'for m in $(awk \'$5 ~ "^/sys/fs/cgroup" {print $5}\' /proc/self/mountinfo); do mount -o remount,bind,ro "$m"; done',
    'mount --move /mnt "$0"',
    'exec "$@"',
  ].join('\n');
  agent = execa('sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', own,
    'unshare', '--mount', '--propagation', 'private', '--cgroup', '--', 'sh', '-c', setup, join(root, sessions),
    process.execPath, CLI, 'agent', '--listen', `127.0.0.1:${port}`, '--metrics-listen', 'off', '--auth', 'none',
    '--exec-cgroup-dir', join(root, sessions)], { reject: false, stdin: 'ignore', all: true, buffer: true });
  const api = `http://127.0.0.1:${port}`;
  await waitFor('the agent to answer /healthz', async () => {
    if (agent?.exitCode !== null) throw new Error(`the agent exited ${agent?.exitCode}: ${String((await agent)?.all)}`);
    try {
      return (await fetch(`${api}/healthz`, { signal: AbortSignal.timeout(1000) })).ok ? true : undefined;
    } catch {
      return undefined;
    }
  }, 45_000);
  t.ok(existsSync(join(own, 'cgroup.procs')) && readFileSync(join(own, 'cgroup.procs'), 'utf8').trim() !== '', 'the agent runs in its own cgroup');

  // The session's cgroup from the host's view (the session did not enter the container's cgroup
  // namespace), and a daemon it leaves behind.
  const daemon = ['sleep', `${4_000_000 + Math.floor(Math.random() * 1_000_000)}`];
  const res = await fetch(`${api}/v1/containers/${pod.app.id}/exec`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ command: ['sh', '-c', `cat /proc/self/cgroup; exec >/dev/null 2>&1 </dev/null; setsid ${daemon.join(' ')} &`], namespaces: ['pid', 'net', 'mnt'] }),
  });
  const body = (await res.json()) as { exitCode?: number; stdout?: string; stderr?: string };
  t.equal(res.status, 200, JSON.stringify(body));
  const v2line = (body.stdout ?? '').split('\n').find((l) => l.startsWith('0::'));
  t.match(v2line, new RegExp(`^0::/${sessions}/s-\\d+-[0-9a-f]+$`), 'in a session cgroup of the writable directory, seen from the host\'s cgroup namespace');
  await waitFor('the session cgroup removed', () => (readdirSync(join(root, sessions)).some((n) => n.startsWith('s-')) ? undefined : true), 10_000);
  t.same(running(daemon), [], 'the setsid daemon died with the session');
  t.equal(readdirSync(own).filter((n) => !n.includes('.')).length, 0, 'nothing made in the agent\'s own cgroup');
});
