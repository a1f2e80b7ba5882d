// A process whose command line holds terminal escapes cannot repaint the operator's terminal through ps, lsns or whois tables.
import t from 'tap';
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { childrenOf } from '../helpers/children.js';
import { waitFor } from '../helpers/lab.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', NODE_OPTIONS: '' };
const CLEAR = '\x1b[2J';
const TITLE = '\x1b]0;pwned\x07';

t.test('ps, lsns and whois show escapes, not ESC', { skip: process.geteuid?.() !== 0 ? 'needs root' : false }, async (t) => {
  // Its own pid and uts namespaces, so lsns names it (lsns shows a namespace's lowest PID).
  const u = spawn('unshare', ['--pid', '--fork', '--uts', '--kill-child', 'sh', '-c', 'sleep 600; exit 0', `x${CLEAR}${TITLE}`, `tab\there\nnewline\u009b31m`], { stdio: 'ignore' });
  t.teardown(() => u.kill('SIGKILL'));
  const sh = await waitFor('the sh inside unshare', () => childrenOf(u.pid as number)[0], 10_000);
  await waitFor('sleep started', () => (childrenOf(sh).length > 0 ? true : undefined), 10_000);

  const run = (args: string[]) => execa(process.execPath, [CLI, ...args], { reject: false, env, extendEnv: false, stripFinalNewline: false });
  const ps = await run(['ps', `pid/${sh}`]);
  t.equal(ps.exitCode, 0, ps.stderr);
  const lsns = await run(['lsns', '-t', 'pid,uts']);
  t.equal(lsns.exitCode, 0, lsns.stderr);
  const whois = await run(['whois', String(sh)]);
  t.equal(whois.exitCode, 0, whois.stderr);
  for (const [name, r] of [['ps', ps], ['lsns', lsns], ['whois', whois]] as const) {
    t.notOk(r.stdout.includes('\x1b'), `${name}: no raw ESC on stdout`);
    t.notOk(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/.test(r.stdout), `${name}: no control character but line breaks`);
  }
  for (const [name, r] of [['ps', ps], ['lsns', lsns]] as const) {
    t.ok(r.stdout.includes('x\\x1b[2J\\x1b]0;pwned\\x07'), `${name}: the escapes shown visibly`);
    t.ok(r.stdout.includes('tab\\there\\nnewline\\x9b31m'), `${name}: tab, newline and C1 shown visibly`);
  }
  t.equal(ps.stdout.trim().split('\n').length, 3, 'ps: header, sh and sleep: the newline did not forge a row');

  // JSON keeps the real command line: JSON's own escaping makes it safe.
  const json = await run(['ps', `pid/${sh}`, '-o', 'json']);
  t.notOk(json.stdout.includes('\x1b'), 'json: no raw ESC');
  t.ok(JSON.parse(json.stdout).processes.some((p: { command: string }) => p.command.includes(CLEAR + TITLE)), 'json: the exact command line');
});
