// Containers run by a real dockerd (on our own containerd) joining each other's namespaces with
// --pid/--network/--ipc container:<id>; nsinspect's diff, ns, whois and lsns checked against stat(2).
import t from 'tap';
import { readFileSync } from 'node:fs';
import type { NsType } from '../../agent/model/types.js';
import { type DockerContainer, dockerFor } from '../helpers/docker.js';
import { statNamespaces } from '../helpers/lab.js';
import { must } from '../helpers/must.js';
import { type With, checkDiff, checkLsns, checkNsWhois, checkPs, cliJson, containerCgroupNs } from '../helpers/nsinspect-truth.js';

const docker = await dockerFor(t);
const side = (c: DockerContainer) => ({ id: c.id, pid: c.pid });
const codes = (d: any): string[] => (d.findings ?? []).map((f: any) => f.code);
/** A Docker container on its own: every namespace private but the ones Docker never unshares. */
const OWN: Record<NsType, With> = { cgroup: containerCgroupNs, ipc: 'private', mnt: 'private', net: 'private', pid: 'private', time: 'host', user: 'host', uts: 'private' };

t.test('runtime: dockerd on our containerd', async (t) => {
  const v = await docker.dockerd.docker_(['version', '--format', '{{.Server.Version}}']);
  t.match(v, /^\d+\.\d+/);
  t.comment(`dockerd ${v}; set-up: containerd ${docker.containerd.setupMs} ms, dockerd ${docker.dockerd.setupMs} ms`);
});

t.test('--pid, --network and --ipc container:<target>', async (t) => {
  // --ipc shareable: Docker's default ipc mode (private) refuses to be joined.
  const app = await docker.run('app', ['--network', 'none', '--ipc', 'shareable'], ['sh', '-c', 'sleep 2147483647 & exec sleep 2147483647']);
  const cases: Array<[string, string[], Partial<Record<NsType, With>>]> = [
    ['pid', ['--pid', `container:${app.id}`, '--network', 'none'], { pid: 'target' }],
    ['network', ['--network', `container:${app.id}`], { net: 'target' }],
    ['ipc', ['--ipc', `container:${app.id}`, '--network', 'none'], { ipc: 'target' }],
    ['all', ['--pid', `container:${app.id}`, '--network', `container:${app.id}`, '--ipc', `container:${app.id}`], { pid: 'target', net: 'target', ipc: 'target' }],
  ];
  const joined: Record<string, DockerContainer> = {};
  for (const [name, flags, withs] of cases) {
    await t.test(`joins ${name}`, async (t) => {
      const c = await docker.run(`dbg-${name}`, flags);
      joined[name] = c;
      await checkNsWhois(t, side(app), 'docker');
      await checkNsWhois(t, side(c), 'docker');
      t.match(readFileSync(`/proc/${c.pid}/cgroup`, 'utf8'), `/docker/${c.id}`, 'in /docker/<id>');
      const d = await checkDiff(t, side(app), side(c), { ...OWN, ...withs });
      t.same(codes(d), [withs.pid ? 'TARGET_PID_SHARED' : 'NO_TARGET', 'MNT_PRIVATE'], 'findings');
    });
  }
  const appNs = statNamespaces(app.pid);
  await checkLsns(t, (['pid', 'net', 'ipc', 'mnt', 'uts'] as const).map((type) => ({ type, inode: appNs[type] as number, owner: side(app) })));
  const network = must(joined.network, 'the container of the "joins network" subtest');
  const own = statNamespaces(network.pid);
  await checkLsns(t, [{ type: 'pid', inode: own.pid as number, owner: side(network) }]);
});

t.test('findings on Docker name Docker’s flags, not kubectl debug (issue 13, bug 3)', async (t) => {
  const app = await docker.run('app2', ['--network', 'none']);
  const dbg = await docker.run('dbg2', ['--pid', `container:${app.id}`, '--network', 'none']);
  const d = await cliJson(t, ['diff', `container/${app.id}`, `container/${dbg.id}`]);
  const msg = (d.findings ?? []).find((f: any) => f.code === 'TARGET_PID_SHARED')?.message ?? '';
  t.match(msg, /--pid container:/);
  t.notMatch(msg, /kubectl debug/);
});

t.test('ps with --pid container: lists both containers’ processes', async (t) => {
  const app = await docker.run('app3', ['--network', 'none'], ['sh', '-c', 'sleep 2147483647 & exec sleep 2147483647']);
  const dbg = await docker.run('dbg3', ['--pid', `container:${app.id}`, '--network', 'none']);
  const pidNs = statNamespaces(app.pid).pid as number;
  await checkPs(t, `container/${app.id}`, pidNs, 'the target');
  await checkPs(t, `container/${dbg.id}`, pidNs, 'the --pid container: debugger');
});
