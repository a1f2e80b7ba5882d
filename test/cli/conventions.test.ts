// kubectl's conventions through the built CLI: bare help, version, -A where it means nothing, plugin name, subcommand help.
import t from 'tap';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

const DIST = new URL('../../dist/cli/', import.meta.url).pathname;
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', NODE_OPTIONS: '' };
const run = (entry: string, args: string[]) => execa(process.execPath, [entry, ...args], { reject: false, env, extendEnv: false, stripFinalNewline: false });

t.test('a bare nsinspect prints help on stdout and exits 0, from either entry', async (t) => {
  for (const entry of ['main.js', 'nsinspect.cjs']) {
    const r = await run(DIST + entry, []);
    t.equal(r.exitCode, 0, `${entry}: exit 0`);
    t.match(r.stdout, /^Usage: nsinspect \[options\] \[command\]\n[\s\S]*Examples:/, `${entry}: help on stdout`);
    t.equal(r.stderr, '', `${entry}: nothing on stderr`);
  }
});

t.test('version prints the client version, as text and as JSON', async (t) => {
  const r = await run(DIST + 'main.js', ['version']);
  t.equal(r.exitCode, 0);
  t.match(r.stdout, /^Client Version: \d+\.\d+\.\d+\n$/);
  t.match(JSON.parse((await run(DIST + 'main.js', ['version', '-o', 'json'])).stdout), { clientVersion: /^\d+\.\d+\.\d+$/ });
});

t.test('-A is refused where it means nothing', async (t) => {
  for (const args of [['ps', 'pid/1', '-A'], ['-A', 'lsns'], ['diff', 'web', 'dbg', '--all-namespaces'], ['version', '-A']]) {
    const r = await run(DIST + 'main.js', args);
    t.equal(r.exitCode, 2, `${args.join(' ')}: usage error`);
    t.match(r.stderr, /^nsinspect: -A \(--all-namespaces\) means nothing to \w+.*Try: leave -A out/, `${args.join(' ')}: says why`);
    t.equal(r.stdout, '');
  }
});

t.test('as kubectl-nsinspect, help says kubectl nsinspect', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nsinspect-plugin-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const plugin = join(dir, 'kubectl-nsinspect');
  symlinkSync(DIST + 'nsinspect.cjs', plugin);
  for (const args of [['--help'], [], ['diff', '--help']]) {
    const r = await run(plugin, args);
    t.equal(r.exitCode, 0, `${args.join(' ') || '(bare)'}: exit 0`);
    t.match(r.stdout, /^Usage: kubectl nsinspect /, `${args.join(' ') || '(bare)'}: usage line`);
    t.notMatch(r.stdout, /^ {2}nsinspect /m, `${args.join(' ') || '(bare)'}: examples too`);
  }
});

t.test('subcommand help lists the global flags and has examples', async (t) => {
  for (const cmd of ['diff', 'ns', 'ps', 'whois', 'ephemeral', 'exec', 'access', 'lsns', 'version']) {
    const r = await run(DIST + 'main.js', [cmd, '--help']);
    t.equal(r.exitCode, 0, cmd);
    t.match(r.stdout, /Global Options:[\s\S]*-o, --output <format>[\s\S]*--kubeconfig <path>/, `${cmd}: global flags`);
    t.match(r.stdout, new RegExp(`Examples:\\n {2}nsinspect ${cmd}`), `${cmd}: examples`);
  }
});
