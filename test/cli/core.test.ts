// The installed entry's node-local path (cli/core.cts, dist/cli/bundle/main.cjs + its V8 code cache): which command lines take it, that they answer as the program does, with or without a usable cache, and that nothing is written at run time.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type * as Core from '../../cli/core.cjs';

const DIST = new URL('../../dist/cli/', import.meta.url).pathname;
const BUNDLE = join(DIST, 'bundle');
const MAIN = join(DIST, 'main.js');
if (!existsSync(join(BUNDLE, 'main.cjs'))) throw new Error('dist/cli/bundle/main.cjs is missing: run make build (scripts/bundle.mjs makes it)');
const core = createRequire(import.meta.url)(join(DIST, 'core.cjs')) as typeof Core;
// A user's shell: no NODE_OPTIONS (tap puts its --import there).
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', NODE_OPTIONS: '' };
const run = (file: string, args: string[]) => execa(process.execPath, [file, ...args], { reject: false, env, extendEnv: false });
const answer = async (file: string, args: string[]) => {
  const r = await run(file, args);
  return [r.stdout, r.stderr, r.exitCode];
};

t.test('only plainly node-local command lines take main.cjs', async (t) => {
  const local = [['lsns'], ['lsns', '-o', 'json'], ['-o', 'json', 'lsns', '-t', 'net'], ['--kubeconfig', '/x', 'lsns'], ['diff', 'pid/1', 'pid/2'],
    ['diff', 'container/3f2a9c0b1d4e', 'pid/2', '--expect-shared', 'pid'], ['ns', 'pid/1', 'container/abc'], ['ps', 'pid/1', '--no-headers'], ['whois', '42']];
  const other = [[], ['version'], ['agent'], ['lsns', 'extra'], ['diff', 'web', 'dbg'], ['diff', 'pid/1', 'web'], ['ns', 'web'], ['ns', '-l', 'app=web'],
    ['whois', '42', '--node', 'n'], ['whois', '--node=n', '42'], ['exec', 'pid/1', '--', 'sh'], ['__complete', 'lsns', ''], ['-n', 'pid/1', 'ns', 'web'], ['completion', 'bash']];
  for (const a of local) t.ok(core.nodeLocal(a), `${a.join(' ')}: main.cjs`);
  for (const a of other) t.notOk(core.nodeLocal(a), `${a.join(' ') || '(no arguments)'}: the ESM program`);
});

/** A copy of the bundle whose main.js is a stand-in that prints PROGRAM and exits 42: whatever reaches the ESM program shows. */
function copy(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'nsinspect-core-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(BUNDLE, dir, { recursive: true });
  writeFileSync(join(dir, 'main.js'), "process.stdout.write('PROGRAM\\n'); process.exitCode = 42;");
  return join(dir, 'nsinspect.cjs');
}

/** A process of ours to diff against pid 1: alive for the test, killed after. */
function sleeper(t: Test): number {
  const kid = spawn('sleep', ['600'], { stdio: 'ignore' });
  t.teardown(() => kid.kill('SIGKILL'));
  return kid.pid as number;
}

t.test('node-local commands answer from main.cjs exactly as the program does', async (t) => {
  const entry = copy(t);
  const pid = sleeper(t);
  const cases = [['-o', 'json', 'diff', 'pid/1', `pid/${pid}`], ['diff', 'pid/1', `pid/${pid}`], ['whois', String(pid)], ['ns', 'pid/1', `pid/${pid}`, '-o', 'yaml'],
    ['diff', 'pid/1', `pid/${pid}`, '--expect-shared', 'pid,net'], ['lsns', '-t', 'bogus'], ['diff', 'pid/1', 'pid/999999999'], ['lsns', '--help'], ['whois', 'x']];
  for (const args of cases) t.same(await answer(entry, args), await answer(MAIN, args), `nsinspect ${args.join(' ')}: same stdout, stderr and exit, without main.js`);
  const inv = JSON.parse((await run(entry, ['lsns', '-o', 'json', '-t', 'pid'])).stdout) as { namespaces: Array<{ type: string; nprocs: number }> };
  t.ok(inv.namespaces.length > 0 && inv.namespaces.every((n) => n.type === 'pid' && n.nprocs > 0), 'lsns -o json -t pid: pid namespaces with their processes');
  t.same([(await run(entry, ['version', '--client'])).stdout], ['PROGRAM'], 'anything else still goes to main.js');
});

t.test('a cache from another node, a broken one or none: the same answers, compiled instead', async (t) => {
  const entry = copy(t);
  const pid = sleeper(t);
  const args = ['-o', 'json', 'diff', 'pid/1', `pid/${pid}`];
  const want = await answer(MAIN, args);
  const cache = join(entry, '..', 'main.cjs.cache');
  writeFileSync(cache, Buffer.alloc(4096, 7));
  t.same(await answer(entry, args), want, 'garbage cache: rejected by V8, same answer');
  rmSync(cache);
  t.same(await answer(entry, args), want, 'no cache: same answer');
});

t.test('nothing is written beside the program at run time', async (t) => {
  const entry = copy(t);
  const dir = join(entry, '..');
  const listing = () => readdirSync(dir).map((f) => `${f} ${statSync(join(dir, f)).mtimeMs}`).sort();
  const before = listing();
  for (const args of [['lsns', '-o', 'json'], ['whois', '1'], ['lsns', '-t', 'bogus']]) await run(entry, args);
  t.same(listing(), before, 'the install directory is as it was');
});
