// nsinspect access on real containers, node-local and through an agent: the JSON shape, the side-by-side table, --op, and bad input.
import t from 'tap';
import { join } from 'node:path';
import { execa } from 'execa';
import { labFor } from '../helpers/lab.js';
import { agentFor, apiServerFor, demoPodJson } from '../helpers/cluster.js';
import { startDemoPod } from '../../lab/pod.js';
import { randomHex } from '../../lab/runc.js';
import { securityContext } from '../../lab/security.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const run = (args: string[]) => execa(process.execPath, [CLI, ...args], { reject: false });

t.test('access: privileges side by side and six verdicts, as JSON and as a table', async (t) => {
  const lab = await labFor(t);
  const group = `/nsinspect-cli-access-${randomHex(8)}`;
  const start = async (uid: number, join?: number) => {
    const id = randomHex(64);
    const c = await lab.run({ id, cgroupsPath: `${group}/${id}`, args: ['sleep', '100000'], customize: securityContext({ uid }), ...(join ? { join: { pid: join, net: join } } : {}) });
    return { ...c, ref: `container/${id.slice(0, 12)}` };
  };
  const app = await start(1000);
  const dbg = await start(0, app.pid);

  const j = await run(['access', app.ref, dbg.ref, '-o', 'json']);
  t.equal(j.exitCode, 0, j.stderr);
  const a = JSON.parse(j.stdout);
  t.same(Object.keys(a), ['target', 'debugger', 'node', 'verdicts']);
  t.same(a.verdicts.map((v: { op: string }) => v.op), ['see-processes', 'signal', 'ptrace', 'read-root', 'read-environ', 'capture-packets']);
  const ptrace = a.verdicts[2];
  t.match(ptrace, { op: 'ptrace', allowed: 'no', blockedBy: 'UID_MISMATCH', fix: /--profile=general/ });
  t.ok(ptrace.checks.length >= 6, 'the full walk');
  t.same(a.target.privileges.uid, { real: 1000, effective: 1000, saved: 1000, fs: 1000 });
  t.equal(a.debugger.privileges.caps.effective.hex.length, 16);
  t.ok(a.debugger.privileges.caps.effective.names.includes('CAP_NET_RAW'), 'runtime defaults, decoded');
  t.notOk(a.debugger.privileges.caps.effective.names.includes('CAP_SYS_PTRACE'));

  const tab = await run(['access', app.ref, dbg.ref, '--op', 'ptrace,read-root']);
  t.equal(tab.exitCode, 0, tab.stderr);
  t.match(tab.stdout, /^uid \(r\/e\/s\/fs, host\)\s+1000\s+0$/m);
  t.match(tab.stdout, /^ptrace\s+no \(UID_MISMATCH\)/m);
  t.match(tab.stdout, /^read-root: no \(UID_MISMATCH\)$/m);
  t.notMatch(tab.stdout, /^capture-packets/m, '--op keeps only those ops');

  const d = await run(['diff', app.ref, dbg.ref]);
  t.match(d.stdout, /what the debugger can do:\n  see-processes\s+yes\n(.*\n)*  ptrace\s+no \(UID_MISMATCH\)\n/);
  t.ok(d.stdout.split('\n').every((l) => l.length <= 80 || l.startsWith('* ')), 'the section fits 80 columns');
});

t.test('access: bad input is one line on stderr', async (t) => {
  // Invalid input is a usage error (2), as for the other commands; a process that is not there is 1.
  const cases: Array<[string[], number, RegExp]> = [
    [['access', 'pid/1', 'pid/2', '--op', 'strace'], 2, /^nsinspect: unknown op "strace"\. Try: pick from see-processes, /],
    [['access', 'pid/999999999', 'pid/1'], 2, /^nsinspect: invalid PID in "pid\/999999999"/],
    [['access', 'pid/4194303', 'pid/1'], 1, /^nsinspect: no process 4194303 on this node/],
    [['access', 'web', 'dbg', '--kubeconfig', '/nonexistent/kubeconfig'], 1, /^nsinspect: .*kubeconfig/],
  ];
  for (const [args, code, want] of cases) {
    const r = await run(args);
    t.equal(r.exitCode, code, args.join(' '));
    t.match(r.stderr, want);
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
  const missing = await run(['access', 'pid/1']);
  t.equal(missing.exitCode, 2, 'a missing argument is a usage error');
  t.match(missing.stderr, /missing required argument 'debugger'/);
});

t.test('access POD DEBUGGER through the agent', async (t) => {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const srv = await apiServerFor(t);
  srv.pods.add(demoPodJson(pod));
  const agent = await agentFor(t, srv);
  const url = await agent.app.listen({ host: '127.0.0.1', port: 0 });
  const kubeconfig = join(srv.dir, 'user.kubeconfig');
  srv.writeKubeconfig(kubeconfig, { token: 'debugger-token', namespace: 'shop' });
  const cluster = (args: string[]) => execa(process.execPath, [CLI, ...args, '--kubeconfig', kubeconfig, '--agent', url], { reject: false });

  const r = await cluster(['access', 'web', 'debugger', '--op', 'see-processes,ptrace']);
  t.equal(r.exitCode, 0, r.stderr);
  t.match(r.stdout, /^pod shop\/web: debugger debugger against target app\n/);
  t.match(r.stdout, /^see-processes: yes$/m);
  t.match(r.stdout, /^ptrace: (yes|no|unknown)/m);
  const j = JSON.parse((await cluster(['access', 'web', 'debugger', '-o', 'json'])).stdout);
  t.match(j, { targetContainer: 'app', debuggerContainer: 'debugger', target: { ref: 'shop/web/app', pid: pod.app.pid } });
  t.equal(j.verdicts.length, 6);
  const none = await cluster(['access', 'web', 'nope']);
  t.equal(none.exitCode, 1);
  t.match(none.stderr, /^nsinspect: .*nope/m, 'after the --agent notice line');
});
