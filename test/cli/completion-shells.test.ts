// The zsh and fish scripts, where those shells are installed: zsh loads the script under compinit; fish completes a line through __complete.
import t from 'tap';
import { execa } from 'execa';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const has = async (shell: string) => (await execa('sh', ['-c', `command -v ${shell}`], { reject: false })).exitCode === 0;

t.test('zsh loads the script', async (t) => {
  if (!(await has('zsh'))) return t.skip('zsh is not installed', () => undefined);
  const r = await execa('zsh', ['-c', `nsinspect() { node ${CLI} "$@"; }; autoload -U compinit; compinit -u; source <(nsinspect completion zsh); print -r -- $_comps[nsinspect] $_comps[kubectl-nsinspect]`], { reject: false });
  t.equal(r.exitCode, 0, r.stderr);
  t.equal(r.stderr, '');
  t.equal(r.stdout, '_nsinspect _nsinspect', 'registered for both names');
});

t.test('fish completes a line', async (t) => {
  if (!(await has('fish'))) return t.skip('fish is not installed', () => undefined);
  const script = `function nsinspect; node ${CLI} $argv; end
nsinspect completion fish | source
complete -C 'nsinspect lsns -t ne'
complete -C 'nsinspect comp'`;
  const r = await execa('fish', ['-c', script], { reject: false });
  t.equal(r.exitCode, 0, r.stderr);
  t.equal(r.stdout, 'net\ncompletion\tprint a shell completion script: bash, zsh or fish (source <(nsinspect completion bash))');
});
