// Colour and wrapping of the real CLI in a real pty (util-linux script): colour on a terminal only, none with NO_COLOR, in a pipe or with -o json; findings wrap at the terminal's width.
import t from 'tap';
import { spawn } from 'node:child_process';
import { execa } from 'execa';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const ESC = '\x1b[';

t.test('colour and wrapping follow the terminal', async (t) => {
  // Two of our own processes: the test and a sleep, so diff has findings and a SHARED column.
  const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
  t.teardown(() => sleeper.kill());
  const args = `diff pid/${process.pid} pid/${sleeper.pid}`;
  const inPty = (cmd: string, env: Record<string, string> = {}) =>
    execa('script', ['-qec', `stty cols 60; ${cmd}`, '/dev/null'], { env: { TERM: 'xterm', NO_COLOR: '', ...env }, reject: false });

  const tty = await inPty(`node ${CLI} ${args}`);
  t.equal(tty.exitCode, 0, tty.stderr);
  t.match(tty.stdout, `${ESC}32myes${ESC}0m`, 'SHARED in colour on a terminal');
  const lines = tty.stdout.replace(/\x1b\[\d+m/g, '').split(/\r?\n/);
  t.ok(lines.every((l) => l.length <= 60), 'every line within the 60 columns');
  t.ok(lines.some((l) => /^  \S/.test(l)) && lines.some((l) => l.startsWith('* ')), 'a long finding goes on in an indented line');

  const noColour = await inPty(`node ${CLI} ${args}`, { NO_COLOR: '1' });
  t.notMatch(noColour.stdout, ESC, 'NO_COLOR: none');
  const json = await inPty(`node ${CLI} ${args} -o json`);
  t.notMatch(json.stdout, ESC, '-o json: none');
  t.doesNotThrow(() => JSON.parse(json.stdout));

  const piped = await execa(process.execPath, [CLI, ...args.split(' ')], { env: { TERM: 'xterm' }, reject: false });
  t.notMatch(piped.stdout, ESC, 'a pipe: none');
  t.ok(piped.stdout.split('\n').filter((l) => l.startsWith('* ')).some((l) => l.length > 60), 'a pipe: findings stay whole lines');
  t.notOk(piped.stdout.split('\n').some((l) => /^  \S/.test(l) && !/^  (see|signal|ptrace|read|capture)/.test(l)), 'a pipe: no wrapped continuation');
});
