// Pod exec and whois --node through an agent on real containers: -t without a terminal, the timeout's word, whois's pod and container.
import t from 'tap';
import { join } from 'node:path';
import { execa } from 'execa';
import { NODE, demoClusterFor } from '../helpers/cluster.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;

t.test('exec and whois --node against the demo pod', async (t) => {
  const { pod, srv, agent } = await demoClusterFor(t);
  // A node admin as issue 11 defines one (create nodes/proxy) who may also exec in pods: allowed whichever rule the agent applies.
  srv.auth.allow({ user: 'node-admin', verb: 'create', resource: 'nodes', subresource: 'proxy', name: NODE });
  srv.auth.allow({ user: 'node-admin', verb: 'create', resource: 'pods', subresource: 'exec' });
  srv.auth.allow({ user: 'node-admin', verb: 'get', resource: 'pods' });
  const url = await agent.app.listen({ host: '127.0.0.1', port: 0 });
  const kubeconfig = join(srv.dir, 'user.kubeconfig');
  srv.writeKubeconfig(kubeconfig, { token: 'debugger-token', namespace: 'shop' });
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', NODE_OPTIONS: '', NSINSPECT_TOKEN: 'admin-token' };
  const run = (args: string[], input?: string) =>
    execa(process.execPath, [CLI, '--kubeconfig', kubeconfig, '--agent', url, ...args], { reject: false, env, extendEnv: false, ...(input === undefined ? { stdin: 'ignore' as const } : { input }) });

  const who = await run(['whois', String(pod.debugger.pid), '--node', NODE]);
  t.equal(who.exitCode, 0, who.stderr);
  t.match(who.stdout, /^pod:\s+shop\/web$/m, 'whois table: namespace/pod');
  t.match(who.stdout, /^container:\s+debugger$/m, 'whois table: the container name');
  t.match(who.stdout, new RegExp(`^container ID:\\s+${pod.debugger.id}$`, 'm'), 'whois table: the container ID');

  // -it with stdin a pipe: kubectl's warning, then a plain (pipe) exec that reads the input and ends.
  const noTty = await run(['exec', 'web', '-it', '--', 'sh', '-c', 'read x; echo got-$x; exit 4'], 'hello\n');
  t.equal(noTty.exitCode, 4, `the command's exit code: ${noTty.stderr}`);
  t.equal(noTty.stdout, 'got-hello');
  t.match(noTty.stderr, /^Unable to use a TTY - input is not a terminal or the right kind of file$/m);

  const slow = await run(['exec', 'web', '--timeout', '1', '--', 'sleep', '30']);
  t.equal(slow.exitCode, 137, 'killed');
  t.match(slow.stderr, /^nsinspect: the command was killed after its 1 s timeout$/m, 'and the CLI says the timeout did it');
  const quick = await run(['exec', 'web', '--timeout', '5', '--', 'sh', '-c', 'exit 137']);
  t.equal(quick.exitCode, 137);
  t.notMatch(quick.stderr, /timeout/, 'a command that exits 137 on its own is not blamed on the timeout');
});
