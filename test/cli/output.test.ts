// -o and --no-headers as a user types them, through the built CLI on a real process in its own pid namespace.
import t from 'tap';
import { execa } from 'execa';
import { load } from 'js-yaml';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', NODE_OPTIONS: '' };
const run = (args: string[]) => execa(process.execPath, [CLI, ...args], { reject: false, env, extendEnv: false, stripFinalNewline: false });

t.test('ps of a process in its own pid namespace, in every format', async (t) => {
  const child = execa('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', '--', 'sleep', '1234'], { reject: false });
  t.teardown(() => child.kill('SIGKILL'));
  let pid: number | undefined;
  for (let i = 0; i < 100 && pid === undefined; i++) {
    const r = await execa('pgrep', ['-x', '-P', String(child.pid), 'sleep'], { reject: false });
    if (r.stdout.trim()) pid = Number(r.stdout.trim());
    else await new Promise((r) => setTimeout(r, 50));
  }
  if (pid === undefined) throw new Error('the sleep did not start');
  const ref = `pid/${pid}`;

  const json = await run(['ps', ref, '-o', 'json']);
  t.equal(json.exitCode, 0);
  const want = JSON.parse(json.stdout) as { processes: Array<{ pid: number; nspid: number; command: string }> };
  t.same(want.processes.map((p) => [p.pid, p.nspid, p.command]), [[pid, 1, 'sleep 1234']], 'json: the one process');
  for (const spelling of [['-o=json'], ['-ojson'], ['--output=json']]) t.same(JSON.parse((await run(['ps', ref, ...spelling])).stdout), want, `${spelling.join(' ')} is -o json`);

  const yaml = await run(['ps', ref, '-o', 'yaml']);
  t.equal(yaml.exitCode, 0);
  t.same(load(yaml.stdout), want, 'yaml: the same data as json');

  const jp = await run(['ps', ref, '-o', 'jsonpath={range .processes[*]}{.pid} {.nspid}{"\\n"}{end}']);
  t.equal(jp.stdout, `${pid} 1\n`, 'jsonpath with range');
  t.equal((await run(['ps', ref, '-o', 'jsonpath={.processes[*].command}'])).stdout, 'sleep 1234', 'jsonpath without range: no newline added, as kubectl');

  t.equal((await run(['ps', ref, '-o', 'name'])).stdout, `${ref}\n`, 'name: refs nsinspect takes back');

  const table = await run(['ps', ref]);
  const bare = await run(['ps', ref, '--no-headers']);
  t.match(table.stdout.split('\n')[0], /^PID\s+NSPID/, 'the table has its header');
  const words = (s: string): string[] => s.trim().split(/\s+/);
  // Columns are as wide as their widest cell, the header no longer counting (as kubectl).
  t.same(words(bare.stdout), words(table.stdout.split('\n').slice(1).join('\n')), '--no-headers: the same rows without the header');
  t.notMatch(bare.stdout, /PID|NSPID/);

  const noName = await run(['ns', ref, '-o', 'name']);
  t.equal(noName.exitCode, 2, '-o name where there are no refs to name: usage error');
  t.match(noName.stderr, /-o name is not offered/);
});

t.test('an unknown or unsupported format is a usage error listing the allowed ones', async (t) => {
  for (const [o, why] of [['bogus', /unknown output format "bogus"/], ['go-template={{.x}}', /go-template is not supported/], ['jsonpath', /needs a template/], ['jsonpath={.a', /bad jsonpath template/]] as const) {
    const r = await run(['lsns', '-o', o]);
    t.equal(r.exitCode, 2, o);
    t.match(r.stderr, why, o);
    if (!o.startsWith('jsonpath=')) t.match(r.stderr, /allowed: table, wide, json, yaml, name, jsonpath=TEMPLATE/, `${o}: lists the formats`);
    t.equal(r.stdout, '');
  }
});
