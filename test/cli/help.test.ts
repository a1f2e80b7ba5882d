// The fast entry (dist/cli/nsinspect.cjs): bare --help, -h, --version and no arguments answer byte for byte as commander does, without loading the program.
import t, { type Test } from 'tap';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import * as pty from 'node-pty';
import type { HelpIndex } from '../../cli/nsinspect.cjs';

const DIST = new URL('../../dist/cli/', import.meta.url).pathname;
const MAIN = join(DIST, 'main.js');
const ENTRY = join(DIST, 'nsinspect.cjs');
// A user's shell: no NODE_OPTIONS (tap puts its --import there), no kubeconfig.
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', NODE_OPTIONS: '' };
const BARE: string[][] = [['--help'], ['-h'], [], ['--version'], ['-V']];
const run = (file: string, args: string[]) => execa(process.execPath, [file, ...args], { reject: false, env, extendEnv: false, stripFinalNewline: false });

if (!existsSync(join(DIST, 'help/index.json'))) throw new Error('dist/cli/help/ is missing: run make build (it runs dist/cli/help-build.js after tsc)');
const index = JSON.parse(readFileSync(join(DIST, 'help/index.json'), 'utf8')) as HelpIndex;

/** A copy of the entry and its help texts beside a stand-in main.js that prints PROGRAM and exits 42: whatever reaches the program shows. */
function standIn(t: Test): { entry: string; main: string } {
  const root = mkdtempSync(join(tmpdir(), 'nsinspect-help-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const cli = join(root, 'dist/cli');
  mkdirSync(cli, { recursive: true });
  cpSync(ENTRY, join(cli, 'nsinspect.cjs'));
  cpSync(join(DIST, 'help'), join(cli, 'help'), { recursive: true });
  for (const [file] of index.stamp) {
    const [from, to] = [join(DIST, file), join(cli, file)];
    mkdirSync(dirname(to), { recursive: true });
    if (file === 'main.js') writeFileSync(to, "process.stdout.write('PROGRAM\\n'); process.exitCode = 42;");
    else cpSync(from, to);
  }
  // The stand-in is what the help was rendered from, as help-build.js would have recorded it.
  for (const [file, copy] of index.stamp) cpSync(join(cli, file), join(cli, 'help', copy));
  return { entry: join(cli, 'nsinspect.cjs'), main: join(cli, 'main.js') };
}

t.test('piped: the entry answers exactly as the commander program does', async (t) => {
  for (const args of BARE) {
    const [want, got] = await Promise.all([run(MAIN, args), run(ENTRY, args)]);
    const name = `nsinspect ${args.join(' ') || '(no arguments)'}`;
    t.equal(got.stdout, want.stdout, `${name}: stdout`);
    t.equal(got.stderr, want.stderr, `${name}: stderr`);
    t.equal(got.exitCode, want.exitCode, `${name}: exit ${want.exitCode}`);
  }
  t.match((await run(ENTRY, ['--help'])).stdout, /^Usage: nsinspect \[options\] \[command\]\n[\s\S]*Refs:\n[\s\S]*Examples:\n/);
  const bare = await run(ENTRY, []);
  t.equal(bare.exitCode, 0, 'no arguments: help, exit 0 (as kubectl)');
  t.match(bare.stdout, /^Usage: nsinspect /, 'no arguments: the help is on stdout');
  t.equal((await run(ENTRY, ['--version'])).stdout, '0.1.0\n');
});

t.test('the fast path never loads the program; everything else does', async (t) => {
  const { entry } = standIn(t);
  for (const args of BARE) {
    const [want, got] = await Promise.all([run(MAIN, args), run(entry, args)]);
    t.same([got.stdout, got.stderr, got.exitCode], [want.stdout, want.stderr, want.exitCode], `nsinspect ${args.join(' ') || '(no arguments)'}: answered without main.js`);
  }
  for (const args of [['help'], ['diff', '--help'], ['-o', 'json', '--help'], ['--help', '-h'], ['--versions'], ['ps', 'pid/1']]) {
    const r = await run(entry, args);
    t.same([r.stdout, r.exitCode], ['PROGRAM\n', 42], `nsinspect ${args.join(' ')}: handed to the program`);
  }
});

t.test('a changed program or commander is never answered from stale help', async (t) => {
  for (const [file] of index.stamp) {
    const { entry } = standIn(t);
    const copy = join(dirname(entry), file);
    const st = statSync(copy);
    utimesSync(copy, st.atime, new Date(st.mtimeMs + 60_000));
    t.not((await run(entry, ['--help'])).stdout, 'PROGRAM\n', `${file} rewritten with the same bytes (a bare tsc): still the fast path`);
    appendFileSync(copy, '\n');
    const r = await run(entry, ['--help']);
    // A changed commander in the stand-in falls through to the stand-in program too.
    t.same([r.stdout, r.exitCode], ['PROGRAM\n', 42], `${file} changed: --help goes to the program`);
  }
  const { entry } = standIn(t);
  rmSync(join(dirname(entry), 'help/index.json'));
  t.same((await run(entry, ['-h'])).stdout, 'PROGRAM\n', 'no pre-rendered help (a bare tsc build): the program answers');
});

/** Output of `node file args` in a terminal of `cols` columns (stdout and stderr both on it). */
function inTerminal(file: string, args: string[], cols: number): Promise<{ out: string; code: number }> {
  return new Promise((resolve) => {
    let out = '';
    let last = Date.now();
    const term = pty.spawn(process.execPath, [file, ...args], { cols, rows: 200, env, name: 'xterm' });
    term.onData((d) => ((out += d), (last = Date.now())));
    // The last output can trail the exit: done when exited and 200 ms quiet.
    term.onExit(({ exitCode }) => {
      const done = setInterval(() => Date.now() - last >= 200 && (clearInterval(done), resolve({ out, code: exitCode })), 50);
    });
  });
}

t.test('in a terminal: commander wraps to its width, and so does the entry, at every width class', async (t) => {
  const { entry } = standIn(t);
  const widths = [20, 39, 40, 60, 79, 80, 81, 100, 120, index.below - 1, index.below, index.below + 1, 300];
  for (const cols of widths) {
    for (const args of [['--help'], []]) {
      // node-pty can lose the tail of a process that prints ~100 lines and exits at once, on a busy
      // machine: a mismatch is tried again (up to 3 times) before it counts. A real difference stays.
      let [want, got] = [await inTerminal(MAIN, args, cols), await inTerminal(entry, args, cols)];
      for (let i = 0; i < 2 && (want.out !== got.out || want.code !== got.code); i++) [want, got] = [await inTerminal(MAIN, args, cols), await inTerminal(entry, args, cols)];
      t.ok(want.out.startsWith('Usage: nsinspect'), `commander at ${cols} columns printed help`);
      t.same(got, want, `${cols} columns, nsinspect ${args.join(' ') || '(no arguments)'}: same bytes and exit code, without the program`);
    }
  }
  const narrow = await inTerminal(MAIN, ['--help'], 80);
  const wide = await inTerminal(MAIN, ['--help'], index.below);
  t.ok(narrow.out.split('\r\n').every((l) => l.length <= 80), 'at 80 columns no line is longer than 80');
  t.not(narrow.out, wide.out, 'the widths really differ');
});
