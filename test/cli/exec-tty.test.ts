// `nsinspect exec -it` end to end, in a real terminal: CLI pty -> port-forward -> agent WebSocket -> remote pty.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import * as pty from 'node-pty';
import { waitFor } from '../helpers/lab.js';
import { portForwardClusterFor } from '../helpers/cluster.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;

function sleepers(arg: string): number {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((n) => {
    try {
      return readFileSync(`/proc/${n}/cmdline`, 'utf8') === `sleep\0${arg}\0`;
    } catch {
      return false;
    }
  }).length;
}

t.test('an interactive shell through the agent: raw keys, Ctrl-C, resize, exit code', async (t) => {
  const { srv, agent, kubeconfig } = await portForwardClusterFor(t);

  // The runner's NODE_OPTIONS (coverage hooks) would slow the CLI down; it is not under test.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NODE_OPTIONS') env[k] = v;
  // Exec is root on the node: a node admin's token (create nodes/proxy), not the kubeconfig's debugger.
  env.NSINSPECT_TOKEN = 'admin-token';
  const term = pty.spawn(process.execPath, [CLI, 'exec', 'web', '-it', '--ns', 'all', '--kubeconfig', kubeconfig, '--', 'sh'], { cols: 80, rows: 24, env, name: 'xterm' });
  let out = '';
  term.onData((d) => (out += d));
  const exited = new Promise<number>((r) => term.onExit((e) => r(e.exitCode)));
  t.teardown(() => term.kill('SIGKILL'));
  const until = (what: string, re: RegExp) => waitFor(what, () => (re.test(out) ? true : undefined), 20_000);

  // busybox ash asks for the cursor position before its first prompt: type once the prompt is there.
  await until('the prompt', /# (\x1b\[6n)?$/);
  await new Promise((r) => setTimeout(r, 200));
  term.write('echo hi-$((40+2))\r');
  await until('the echo', /hi-42/);
  term.write('hostname\r');
  await until("the pod's hostname", /\bweb\r*\n/);

  term.resize(101, 33);
  await new Promise((r) => setTimeout(r, 300));
  term.write('stty size\r');
  await until('the new size, seen remotely', /33 101/);

  term.write('sleep 1261\r');
  await waitFor('the remote sleep', () => (sleepers('1261') === 1 ? true : undefined), 10_000);
  term.write('\x03');
  await waitFor('Ctrl-C reached the remote sleep', () => (sleepers('1261') === 0 ? true : undefined), 10_000);
  term.write('echo still-$((1+1))\r');
  await until('the CLI and the shell survived Ctrl-C', /still-2/);

  term.write('exit 5\r');
  t.equal(await exited, 5, "the remote exit code is the CLI's");
  await srv.portForward.waitForOpen(0, 5000);
  t.equal(srv.portForward.open(), 0, 'no tunnel left open');
  await waitFor('the session slot freed', async () => ((await agent.metricsApp.inject({ url: '/metrics' })).body.includes('nsinspect_exec_sessions_active 0') ? true : undefined));
});

// Bug 4: job-control shells (busybox ash, dash) failed to hand the terminal back at exit and
// exited 2 with "Cannot set tty process group (No such process)". Busybox comes from the
// container (--ns all); dash and bash from the host (--ns tools).
t.test('the exit code passes through every common shell, with no tty process group error', async (t) => {
  const { kubeconfig } = await portForwardClusterFor(t);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NODE_OPTIONS') env[k] = v;
  env.NSINSPECT_TOKEN = 'admin-token';
  for (const [ns, shell] of [['all', 'sh'], ['tools', 'dash'], ['tools', 'bash']] as const) {
    const term = pty.spawn(process.execPath, [CLI, 'exec', 'web', '-it', '--ns', ns, '--kubeconfig', kubeconfig, '--', shell], { cols: 80, rows: 24, env, name: 'xterm' });
    let out = '';
    term.onData((d) => (out += d));
    const exited = new Promise<number>((r) => term.onExit((e) => r(e.exitCode)));
    t.teardown(() => term.kill('SIGKILL'));
    // Typed again every 2 s until it runs: keys pressed before the session is attached can be
    // lost on a loaded machine (the terminal's mode changes), which is no fault of the shell.
    let typed = 0;
    await waitFor(`${shell} ran a command`, () => {
      if (/ready-7/.test(out)) return true;
      if (Date.now() - typed > 2_000) {
        term.write('echo ready-$((3+4))\r');
        typed = Date.now();
      }
      return undefined;
    }, 40_000);
    term.write('exit 5\r');
    t.equal(await exited, 5, `${shell}: the CLI exits with the shell's exit code`);
    t.notMatch(out, /tty process group|job control/i, `${shell}: no complaint about the terminal`);
  }
});
