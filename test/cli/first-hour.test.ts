// issue 15's CLI bugs, each as a user meets them: EPIPE, --timeout, KUBECONFIG with a missing file, diff with an app container as debugger, did you mean.
import t from 'tap';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { execa } from 'execa';
import { apiServerFor } from '../helpers/cluster.js';
import { makePod } from '../fake-apiserver/index.js';

const DIST = new URL('../../dist/cli/', import.meta.url).pathname;
const CLI = join(DIST, 'main.js');
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', NODE_OPTIONS: '' };
const run = (args: string[], extra: Record<string, string> = {}) => execa(process.execPath, [CLI, ...args], { reject: false, env: { ...env, ...extra }, extendEnv: false });

/** Runs the CLI with its stdout a pipe whose reader is already gone, as `| head -1` leaves it. */
function closedStdout(file: string, args: string[]): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [file, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout.destroy();
    let stderr = '';
    c.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    c.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

t.test('a closed stdout ends the CLI quietly with exit 0', async (t) => {
  const cases: Array<[string, string[]]> = [[join(DIST, 'nsinspect.cjs'), ['--help']], [CLI, ['--help']], [CLI, ['completion', 'bash']]];
  if (process.geteuid?.() === 0) cases.push([CLI, ['lsns']], [CLI, ['lsns', '-o', 'json']]);
  for (const [file, args] of cases) {
    const r = await closedStdout(file, args);
    t.same([r.code, r.signal, r.stderr], [0, null, ''], `${file.endsWith('.cjs') ? 'nsinspect.cjs' : 'main.js'} ${args.join(' ')}: exit 0, nothing on stderr`);
  }
});

t.test('--timeout: a number of seconds, and only where the agent enforces it', async (t) => {
  for (const bad of ['abc', '0', '601', '1.5', '-3', '']) {
    const r = await run(['exec', 'web', '--timeout', bad, '--', 'true']);
    t.equal(r.exitCode, 2, `--timeout ${JSON.stringify(bad)}: usage error`);
    t.match(r.stderr, /^nsinspect: invalid --timeout .*: want whole seconds from 1 to 600/);
  }
  const local = await run(['exec', 'pid/1', '--timeout', '1', '--', 'sleep', '5']);
  t.equal(local.exitCode, 2, 'node-local --timeout is refused, not ignored');
  t.match(local.stderr, /^nsinspect: --timeout applies to pod refs, where the agent enforces it.*Try: wrap the command instead: nsinspect exec pid\/1 -- timeout 1 sleep …$/);
});

t.test('cluster refs: KUBECONFIG with a missing file, diff with an app container, did you mean', async (t) => {
  const srv = await apiServerFor(t);
  srv.pods.add(makePod({ name: 'web', namespace: 'shop', nodeName: 'node-a', containers: ['app'], ephemeralContainers: [{ name: 'debugger', targetContainerName: 'app' }] }));
  srv.pods.add(makePod({ name: 'trio', namespace: 'shop', nodeName: 'node-a', containers: ['a', 'b', 'c'] }));
  srv.pods.add(makePod({ name: 'plain', namespace: 'shop', nodeName: 'node-a', containers: ['app'] }));
  srv.pods.add(makePod({ name: 'multi', namespace: 'shop', nodeName: 'node-a', containers: ['a', 'b'], ephemeralContainers: [{ name: 'dbg' }] }));
  const kc = join(srv.dir, 'user.kubeconfig');
  srv.writeKubeconfig(kc, { token: 'debugger-token', namespace: 'shop' });

  // kubectl skips a missing file in KUBECONFIG; so do we.
  const skipped = await run(['ephemeral', 'web', '-o', 'json'], { KUBECONFIG: [join(srv.dir, 'missing'), kc, '/nonexistent/config'].join(':') });
  t.equal(skipped.exitCode, 0, skipped.stderr);
  t.same(JSON.parse(skipped.stdout).items.map((i: { name: string }) => i.name), ['debugger']);
  const none = await run(['ephemeral', 'web'], { KUBECONFIG: [join(srv.dir, 'missing'), '/nonexistent/config'].join(':') });
  t.equal(none.exitCode, 1);
  t.equal(none.stderr.trim().split('\n').length, 1, 'no kubeconfig at all: one line');

  const diff = (args: string[]) => run(['diff', ...args, '--kubeconfig', kc]);
  const cases: Array<[string[], number, RegExp]> = [
    [['web', 'app'], 2, /^nsinspect: app is an app container of pod shop\/web, not a debugger, and the pod has no other app container to compare it with\. Try: diff compares a debugger with its target: nsinspect diff web debugger/],
    [['plain', 'app'], 2, /no other app container.*Try: start a debugger with kubectl debug -it plain --image=busybox --target=app/],
    [['trio', 'a'], 2, /^nsinspect: a is an app container of pod shop\/trio, not a debugger, and the pod has 2 other app containers to compare it with\. Try: name the target with --target \(b, c\)/],
    [['multi', 'dbg'], 2, /^nsinspect: debugger dbg was started without --target, and pod shop\/multi has 2 app containers\. Try: name the target with --target \(a, b\)/],
    [['web', 'debuger'], 1, /^nsinspect: pod shop\/web has no container debuger\. Try: did you mean debugger\? \(candidates: app, debugger\)/],
    [['web', 'debugger', '--target', 'ap'], 1, /Try: did you mean app\?/],
  ];
  for (const [args, code, re] of cases) {
    const r = await diff(args);
    t.equal(r.exitCode, code, `diff ${args.join(' ')}: exit ${code}`);
    t.match(r.stderr, re, `diff ${args.join(' ')}`);
    t.notMatch(r.stderr, /(?<!--)target=|0 app containers/, 'no API parameter (kubectl debug\'s --target= is fine), no "0 app containers"');
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
  const ps = await run(['ps', 'web', '-c', 'dbugger', '--kubeconfig', kc]);
  t.equal(ps.exitCode, 1);
  t.match(ps.stderr, /did you mean debugger\?/);
  const exec = await run(['--kubeconfig', kc, 'exec', 'web', '-c', 'ap', '--', 'true']);
  t.equal(exec.exitCode, 1);
  t.match(exec.stderr, /^nsinspect: pod shop\/web has no container ap\. Try: did you mean app\?/);
});
