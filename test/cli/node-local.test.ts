// The node-local CLI as a user runs it: exit codes, one-line errors, JSON shapes and tables.
import t, { type Test } from 'tap';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, execaSync } from 'execa';
import { labFor } from '../helpers/lab.js';
import { startDemoPod } from '../../lab/pod.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
// No kubeconfig: pod names must fail clearly, node-local refs must not care. No NODE_OPTIONS
// from the test runner either: a user's shell has none.
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', NODE_OPTIONS: '' };
const run = (args: string[], opts: { asNobody?: string } = {}) =>
  opts.asNobody
    ? // tap's processinfo puts its --import into NODE_OPTIONS of every child: env -u takes it out.
      execa('env', ['-u', 'NODE_OPTIONS', 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, opts.asNobody, ...args], { reject: false, env, extendEnv: false })
    : execa(process.execPath, [CLI, ...args], { reject: false, env, extendEnv: false });

/** A copy of the CLI that user nobody can read, wherever the checkout lives (a 0700 temp dir in CI). */
function cliForNobody(t: Test): string {
  const root = mkdtempSync(join(tmpdir(), 'nsinspect-nobody-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const top = new URL('../..', import.meta.url).pathname;
  cpSync(join(top, 'dist'), join(root, 'dist'), { recursive: true });
  cpSync(join(top, 'node_modules/commander'), join(root, 'node_modules/commander'), { recursive: true });
  cpSync(join(top, 'package.json'), join(root, 'package.json'));
  execaSync('chmod', ['-R', 'a+rX', root]);
  return join(root, 'dist/cli/main.js');
}

t.test('usage errors exit 2 with one line', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['diff', 'pid/1'], /missing required argument 'debugger'/],
    [['frobnicate'], /unknown command/],
    [['ns', 'pod/Web'], /invalid pod name "Web"/],
    [['ns', 'pid/abc'], /invalid PID/],
    [['ps', 'container/xyz'], /invalid container ID/],
    [['lsns', '-t', 'bogus'], /unknown namespace type "bogus"\. Try: use one of cgroup/],
    [['whois', '12;rm'], /invalid PID/],
    [['-o', 'bogus', 'lsns'], /argument 'bogus' is invalid. unknown output format "bogus"; allowed: table, wide, json, yaml, name/],
  ];
  for (const [args, want] of cases) {
    const r = await run(args);
    t.equal(r.exitCode, 2, `${args.join(' ')}: exit 2`);
    t.match(r.stderr, want, args.join(' '));
    t.equal(r.stdout, '', 'nothing on stdout');
  }
});

t.test('errors exit 1 with what to try', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['ps', 'container/000000000000'], /^nsinspect: no container 000000000000 on this node\. Try: list the running containers/],
    [['whois', '4194303'], /^nsinspect: no process 4194303 on this node/],
    // As root with no kubeconfig, a pod ref is looked up on this node (the runtime's records) first.
    [['ns', 'web'], /^nsinspect: no kubeconfig found, and no pod default\/web runs on this node\. Try: pass --kubeconfig PATH or set KUBECONFIG; on a node, use NAMESPACE\/POD, pid\/<n> or container\/<id>/],
  ];
  for (const [args, want] of cases) {
    const r = await run(args);
    t.equal(r.exitCode, 1, args.join(' '));
    t.match(r.stderr, want);
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
});

t.test('a run that is not root says it needs root', async (t) => {
  const cli = cliForNobody(t);
  for (const args of [['lsns'], ['whois', '1'], ['diff', 'pid/1', 'pid/2']]) {
    const r = await run(args, { asNobody: cli });
    t.equal(r.exitCode, 1, args.join(' '));
    t.match(r.stderr, /^nsinspect: nsinspect needs root .*\. Try: run it with sudo/);
  }
  const help = await run(['--help'], { asNobody: cli });
  t.equal(help.exitCode, 0, 'help needs no root');
});

t.test('JSON shapes and tables on real containers', async (t) => {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const app = `container/${pod.app.id.slice(0, 12)}`;
  const dbg = `container/${pod.debugger.id}`;

  const diff = await run(['diff', app, dbg, '-o', 'json']);
  t.equal(diff.exitCode, 0, diff.stderr);
  const d = JSON.parse(diff.stdout);
  t.same(Object.keys(d), ['target', 'debugger', 'namespaces', 'shared', 'notShared', 'findings', 'access', 'layers']);
  t.same(d.access.map((a: { op: string }) => a.op), ['see-processes', 'signal', 'ptrace', 'read-root', 'read-environ', 'capture-packets']);
  t.same(d.target, { ref: app, pid: pod.app.pid, containerID: pod.app.id, podUID: pod.uid });
  t.same(Object.keys(d.namespaces[0]), ['type', 'target', 'debugger', 'shared', 'with']);
  t.same(d.shared, ['ipc', 'net', 'pid', 'time', 'user', 'uts']);
  t.same(Object.keys(d.findings[0]), ['code', 'message']);

  const table = await run(['diff', app, dbg]);
  t.match(table.stdout, /^TYPE\s+TARGET\s+DEBUGGER\s+SHARED\s+WITH$/m);
  t.match(table.stdout, /^pid\s+(\d+)\s+\1\s+yes\s+target$/m);
  t.match(table.stdout, /^mnt\s+\d+\s+\d+\s+no\s+private$/m);
  t.match(table.stdout, /not shared: cgroup, mnt/);
  t.ok(table.stdout.split('\n').filter((l) => /^(TYPE|cgroup|ipc|mnt|net|pid|time|user|uts)\s/.test(l)).every((l) => l.length <= 80), 'the table fits 80 columns');

  const ns = JSON.parse((await run(['ns', app, `pid/${pod.sandbox.pid}`, '-o', 'json'])).stdout);
  t.equal(ns.items.length, 2);
  t.same(Object.keys(ns.items[1]), ['ref', 'pid', 'containerID', 'podUID', 'namespaces']);
  t.equal(ns.items[1].containerID, pod.sandbox.id, 'a pid ref is mapped to its container');
  t.equal(ns.items[0].namespaces.net, ns.items[1].namespaces.net);

  const ps = JSON.parse((await run(['ps', app, '-o', 'json'])).stdout);
  t.same(Object.keys(ps.processes[0]), ['pid', 'nspid', 'ppid', 'uid', 'startTime', 'command', 'owner', 'containerID']);
  t.same(ps.processes.map((p: { nspid: number }) => p.nspid).slice(0, 1), [1]);

  const who = JSON.parse((await run(['whois', String(pod.app.pid), '-o', 'json'])).stdout);
  t.same(who, { pid: pod.app.pid, containerID: pod.app.id, podUID: pod.uid, runtime: 'containerd', namespaces: ns.items[0].namespaces });

  const lsns = JSON.parse((await run(['lsns', '-t', 'net,pid', '-o', 'json'])).stdout);
  const podNet = lsns.namespaces.find((n: { inode: number }) => n.inode === ns.items[0].namespaces.net);
  t.same(podNet, { inode: podNet.inode, type: 'net', nprocs: 6, pid: pod.sandbox.pid, user: 'root', command: 'sleep 2147483647', containerID: pod.sandbox.id },
    'the pod net namespace: 6 processes, owned by the sandbox');
  t.ok(lsns.namespaces.every((n: { type: string }) => n.type === 'net' || n.type === 'pid'));
  // util-linux agrees on the count and the lowest PID.
  const util = JSON.parse((await execa('lsns', ['-J', '-t', 'net'])).stdout) as { namespaces: Array<{ ns: number | string; nprocs: number; pid: number }> };
  const u = util.namespaces.find((n) => Number(n.ns) === podNet.inode);
  t.same({ nprocs: u?.nprocs, pid: u?.pid }, { nprocs: podNet.nprocs, pid: podNet.pid }, 'same as lsns -J');

  const psTable = await run(['ps', app]);
  t.match(psTable.stdout, /^PID\s+NSPID\s+PPID\s+UID\s+STARTED\s+CONTAINER\s+COMMAND$/m);
});

t.test('an ambiguous prefix lists the candidates', async (t) => {
  const lab = await labFor(t);
  const { randomHex } = await import('../../lab/runc.js');
  const prefix = randomHex(12);
  const ids = [prefix + randomHex(52), prefix + randomHex(52)].sort();
  for (const id of ids) await lab.run({ id, args: ['sleep', '2147483647'], cgroupsPath: `/kubepods/besteffort/pod${crypto.randomUUID()}/${id}` });
  const r = await run(['ps', `container/${prefix}`]);
  t.equal(r.exitCode, 1);
  t.match(r.stderr, `matches 2 containers: ${ids[0]}, ${ids[1]}. Try: give more characters of the ID`);
});
