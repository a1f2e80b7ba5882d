// Completion through the built CLI: pod and container names from the fake API server, the kubectl plugin entry, and the scripts loading in bash.
import t from 'tap';
import { execa } from 'execa';
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiServerFor } from '../helpers/cluster.js';
import { makePod } from '../fake-apiserver/index.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const KUBECTL_COMPLETE = new URL('../../dist/cli/kubectl-complete.cjs', import.meta.url).pathname;

t.test('pods and containers from the API server, honouring -n and --kubeconfig on the line', async (t) => {
  const srv = await apiServerFor(t);
  srv.pods.add(makePod({ name: 'web', namespace: 'shop', containers: ['app'], ephemeralContainers: [{ name: 'debugger', targetContainerName: 'app' }] }));
  srv.pods.add(makePod({ name: 'worker', namespace: 'shop' }));
  srv.pods.add(makePod({ name: 'elsewhere', namespace: 'default' }));
  const complete = (...words: string[]) => execa(process.execPath, [CLI, '__complete', ...words], { reject: false, env: { KUBECONFIG: '/nonexistent' } });

  const pods = await complete('ps', '--kubeconfig', srv.kubeconfigPath, '-n', 'shop', '');
  t.equal(pods.exitCode, 0);
  t.equal(pods.stdout, 'web\nworker\n:4');
  t.equal((await complete('--kubeconfig', srv.kubeconfigPath, 'diff', '-n', 'default', '')).stdout, 'elsewhere\n:4', 'another -n, another list');
  t.equal((await complete('diff', '--kubeconfig', srv.kubeconfigPath, '-n', 'shop', 'web', '')).stdout, 'debugger\napp\n:4', "the debugger: the pod's containers, ephemeral first");
  t.equal((await complete('ps', 'web', '--kubeconfig', srv.kubeconfigPath, '-n', 'shop', '-c', '')).stdout, 'debugger\napp\n:4');
  t.equal((await complete('--kubeconfig', srv.kubeconfigPath, '--context', '')).stdout, 'fake\n:4', 'contexts from the kubeconfig on the line');

  const plugin = await execa(process.execPath, [KUBECTL_COMPLETE, 'ps', '--kubeconfig', srv.kubeconfigPath, '-n', 'shop', 'wo'], { reject: false });
  t.equal(plugin.stdout, 'worker\n:4', 'kubectl_complete-nsinspect answers in cobra format');

  const broken = await complete('ps', '--kubeconfig', '/nonexistent/kubeconfig', '');
  t.equal(broken.exitCode, 0, 'no cluster: still exit 0');
  t.equal(broken.stdout, ':4', 'and silent: no candidates');
  t.equal(broken.stderr, '');
});

t.test('the scripts load, and bash completes a line through __complete', async (t) => {
  const script = `
set -e
nsinspect() { node ${JSON.stringify(CLI)} "$@"; }
source <(nsinspect completion bash)
complete -p nsinspect
COMP_WORDS=(nsinspect lsns -t ne); COMP_CWORD=3; COMP_LINE="nsinspect lsns -t ne"; COMP_POINT=\${#COMP_LINE}
_nsinspect
printf '%s\\n' "\${COMPREPLY[@]}"
COMP_WORDS=(nsinspect comp); COMP_CWORD=1
_nsinspect
printf '%s\\n' "\${COMPREPLY[@]}"
`;
  const r = await execa('bash', ['-c', script], { reject: false });
  t.equal(r.exitCode, 0, r.stderr);
  t.equal(r.stderr, '', 'no error while loading');
  t.equal(r.stdout, 'complete -F _nsinspect nsinspect\nnet\ncompletion');
  for (const shell of ['zsh', 'fish']) {
    const s = await execa(process.execPath, [CLI, 'completion', shell]);
    t.match(s.stdout, '__complete', `${shell}: calls back into nsinspect`);
  }
  const bad = await execa(process.execPath, [CLI, 'completion', 'tcsh'], { reject: false });
  t.equal(bad.exitCode, 2, 'a usage error');
  t.match(bad.stderr, 'no completion for shell "tcsh"');
});

t.test("kubectl's own plugin completion calls kubectl_complete-nsinspect", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nsinspect-kubectl-complete-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(KUBECTL_COMPLETE, 0o755);
  chmodSync(new URL('../../dist/cli/nsinspect.cjs', import.meta.url).pathname, 0o755);
  symlinkSync(new URL('../../dist/cli/nsinspect.cjs', import.meta.url).pathname, join(dir, 'kubectl-nsinspect'));
  symlinkSync(KUBECTL_COMPLETE, join(dir, 'kubectl_complete-nsinspect'));
  const r = await execa('kubectl', ['__complete', 'nsinspect', 'lsns', '-t', 'n'], { reject: false, env: { PATH: `${dir}:${process.env.PATH}` } });
  t.equal(r.exitCode, 0, r.stderr);
  t.equal(r.stdout, 'net\n:6', 'the candidates and the directive, through kubectl');
});
