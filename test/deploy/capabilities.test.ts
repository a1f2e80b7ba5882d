// Each capability the DaemonSet adds is needed: with exactly its set the real nsenter and /proc work, without any one something breaks.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { ROOT, agentDaemonSet } from './render.js';
import { childrenOf, spawnFor, waitFor } from '../helpers/lab.js';

const CLI = join(ROOT, 'dist/cli/main.js');
const { container } = agentDaemonSet();
const sc = container.securityContext;

/** What the agent does, each with the capability it is expected to need. */
interface Probe {
  needs: string;
  what: string;
  run: (pid: number, caps: string[]) => Promise<boolean>;
}

/** The CLI (the agent's own engine and exec code) as root with only these capabilities, as the container gets them. */
function cli(caps: string[], args: string[]) {
  const bounding = ['-all', ...caps.map((c) => `+${c.toLowerCase()}`)].join(',');
  const nnp = sc.allowPrivilegeEscalation === false ? ['--no-new-privs'] : [];
  return execa('setpriv', ['--inh-caps=-all', '--ambient-caps=-all', `--bounding-set=${bounding}`, ...nnp, '--', process.execPath, CLI, ...args], {
    reject: false, timeout: 60_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/root' }, extendEnv: false,
  });
}

const PROBES: Probe[] = [
  {
    needs: 'SYS_PTRACE',
    what: "read the namespaces of another user's process (nsinspect ns pid/N)",
    run: async (pid, caps) => {
      const r = await cli(caps, ['ns', `pid/${pid}`, '-o', 'json']);
      const item = r.exitCode === 0 ? JSON.parse(r.stdout).items[0] : undefined;
      return item !== undefined && item.unreadable === undefined && Object.keys(item.namespaces).length === 8;
    },
  },
  {
    needs: 'SYS_ADMIN',
    what: 'exec --ns tools: setns, then unshare --mount-proc (ps shows the target as PID 1)',
    run: async (pid, caps) => {
      const r = await cli(caps, ['exec', `pid/${pid}`, '--ns', 'tools', '--', 'ps', '-e', '-o', 'pid=,comm=']);
      return r.exitCode === 0 && /^\s*1 sleep$/m.test(r.stdout);
    },
  },
  {
    needs: 'SYS_CHROOT',
    what: 'exec --ns all: setns into the mount namespace',
    run: async (pid, caps) => {
      const r = await cli(caps, ['exec', `pid/${pid}`, '--ns', 'all', '--', 'cat', '/proc/1/comm']);
      return r.exitCode === 0 && r.stdout.trim() === 'sleep';
    },
  },
  {
    needs: 'DAC_READ_SEARCH',
    what: "exec --ns tools: a non-root process's /proc/<pid>/fd (ss -p, ls -l /proc/1/fd)",
    run: async (pid, caps) => {
      const r = await cli(caps, ['exec', `pid/${pid}`, '--ns', 'tools', '--', 'ls', '/proc/1/fd']);
      return r.exitCode === 0 && /^0$/m.test(r.stdout);
    },
  },
];

t.test('the DaemonSet drops every capability, adds some back, and cannot gain more', async (t) => {
  t.same(sc.capabilities.drop, ['ALL']);
  t.equal(sc.privileged, false);
  t.equal(sc.allowPrivilegeEscalation, false);
  t.equal(sc.readOnlyRootFilesystem, true);
  t.equal(sc.runAsUser, 0, 'root: the capabilities are granted to root only');
  // Each added capability has its why-comment in the manifest, just above it.
  const src = readFileSync(join(ROOT, 'manifests/agent/daemonset.yaml'), 'utf8').split('\n');
  for (const cap of sc.capabilities.add as string[]) {
    const i = src.findIndex((l) => l.trim() === `- ${cap}`);
    t.match(src[i - 1] ?? '', /^\s*#/, `${cap} has a comment saying why`);
  }
});

t.test('each added capability is needed, and together they are enough', async (t) => {
  // A target like a non-root container: its own pid, mnt, net, ipc, uts namespaces, uid 65534.
  const wrapper = spawnFor(t, 'unshare', ['--fork', '--pid', '--mount-proc', '--net', '--ipc', '--uts', '--',
    'setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups', '--inh-caps=-all', '--', 'sleep', '600']);
  const pid = await waitFor('the target', () => {
    const c = childrenOf(wrapper.pid as number)[0];
    if (c === undefined) return undefined;
    try {
      const status = readFileSync(`/proc/${c}/status`, 'utf8');
      return /^Uid:\s+65534\s/m.test(status) && readFileSync(`/proc/${c}/comm`, 'utf8').trim() === 'sleep' ? c : undefined;
    } catch {
      return undefined;
    }
  }, 10_000);

  const added = sc.capabilities.add as string[];
  t.same([...added].sort(), [...new Set(PROBES.map((p) => p.needs))].sort(), 'one probe per added capability, no capability without one');
  for (const p of PROBES) t.ok(await p.run(pid, added), `with ${added.join(', ')}: ${p.what}`);
  const table: string[] = [];
  for (const cap of added) {
    const without = added.filter((c) => c !== cap);
    const broken: string[] = [];
    for (const p of PROBES) if (!(await p.run(pid, without))) broken.push(p.what);
    t.ok(broken.length > 0, `without ${cap}, something breaks`);
    t.ok(broken.includes(PROBES.find((p) => p.needs === cap)!.what), `without ${cap}: ${PROBES.find((p) => p.needs === cap)!.what} breaks`);
    table.push(`without ${cap}: ${broken.join('; ')}`);
  }
  t.comment(table.join('\n'));
});
