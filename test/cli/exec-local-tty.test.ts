// Node-local `nsinspect exec -it` in a real terminal (root, runc): the shell gets a pty of its own, so job-control shells (dash, ash) keep their exit code.
import t from 'tap';
import * as pty from 'node-pty';
import { labFor, waitFor } from '../helpers/lab.js';
import { startDemoPod } from '../../lab/pod.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;

// The host's dash (--ns tools leaves mnt out) failed before: exit 2 and "Cannot set tty process group".
const SHELLS: Array<[string, string[]]> = [['the host’s dash (--ns tools)', []], ['the container’s busybox ash (--ns all)', ['--ns', 'all']]];

for (const [what, ns] of SHELLS) t.test(`${what} through exec -it: types, exits with its own code, no tty process-group error`, async (t) => {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NODE_OPTIONS') env[k] = v;
  env.KUBECONFIG = '/nonexistent';
  const term = pty.spawn(process.execPath, [CLI, 'exec', `container/${pod.app.id}`, '-it', ...ns, '--', 'sh'], { cols: 80, rows: 24, env, name: 'xterm' });
  let out = '';
  term.onData((d) => (out += d));
  const exited = new Promise<number>((r) => term.onExit((e) => r(e.exitCode)));
  t.teardown(() => term.kill('SIGKILL'));
  const until = (what: string, re: RegExp) => waitFor(what, () => (re.test(out) ? true : undefined), 20_000);

  await until('the prompt', /# (\x1b\[6n)?$/);
  // Keys sent before the shell reads its terminal can be lost on a loaded machine: type until it answers.
  let typed = 0;
  await waitFor('the echo', () => {
    if (/hi-42/.test(out)) return true;
    if (Date.now() - typed > 1_000) {
      typed = Date.now();
      term.write('echo hi-$((40+2))\r');
    }
    return undefined;
  }, 20_000);
  term.write('exit 5\r');
  t.equal(await exited, 5, 'the shell’s own exit code');
  t.notMatch(out, /Cannot set tty process group/, 'the shell had a terminal it could use');
});
