// Fuzzes the CLI's arguments: the real commander program in-process (fresh module per run), a sample spawned.
import t from 'tap';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseLocalRef } from '../../agent/protocol/refs.js';
import { check, chars, hex, hostile } from './fc.js';

const MAIN = new URL('../../cli/main.ts', import.meta.url).href;
const DIST = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'nsinspect-fuzz-cli-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
// Kubeconfigs: missing, garbage, and one whose API server refuses connections at once.
const kc = { missing: join(tmp, 'missing'), garbage: join(tmp, 'garbage'), refused: join(tmp, 'refused') };
writeFileSync(kc.garbage, ':\n - {[ not yaml');
writeFileSync(kc.refused, JSON.stringify({
  apiVersion: 'v1', kind: 'Config', 'current-context': 'x',
  clusters: [{ name: 'x', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } }],
  users: [{ name: 'x', user: { token: 'x' } }], contexts: [{ name: 'x', context: { cluster: 'x', user: 'x', namespace: 'shop' } }],
}));

const word = fc.oneof(hostile(24), chars('abcdefghijklmnopqrstuvwxyz0123456789-./', 1, 20), fc.constantFrom('', '-', '--', '-x', '--bogus', '-o', 'json', 'yaml', '-n', '-A', '--help', '-h', '--version', '-V'));
const ref = fc.oneof(
  fc.integer({ min: -2, max: 4194400 }).map((n) => `pid/${n}`), fc.constantFrom('pid/1', `pid/${process.pid}`, 'p/1', 'pid/', 'pid/01', 'pid/1e3'),
  fc.integer({ min: 0, max: 70 }).chain(hex).map((h) => `container/${h}`), hex(12).map((h) => `c/containerd://${h}`),
  fc.constantFrom('web', 'pod/web', 'Web', 'a/b/c', 'pods/x', 'x'.repeat(254)), word,
);
const globalFlag = fc.oneof(
  fc.tuple(fc.constantFrom('-o', '--output'), fc.constantFrom('json', 'table', 'yaml', '')), fc.tuple(fc.constantFrom('-n', '--namespace', '--context', '--agent-namespace'), word),
  fc.tuple(fc.constant('--kubeconfig'), fc.constantFrom(kc.missing, kc.garbage, kc.refused, '', '/dev/null', tmp)),
  fc.tuple(fc.constant('--agent'), fc.constantFrom('http://127.0.0.1:1', 'not a url', 'ftp://x', '', 'http://[::1', 'https://127.0.0.1:1/x?y')),
  fc.tuple(fc.constant('--token'), word), fc.constantFrom(['-A'], ['--all-namespaces'], ['-V'], ['--help']),
).map((x) => [...x]);
const command = fc.oneof(
  fc.tuple(fc.constant('diff'), ref, ref, fc.array(fc.oneof(fc.tuple(fc.constantFrom('--target', '--expect-shared'), fc.oneof(word, fc.constantFrom('pid,net', 'pid,bogus', ',,', 'app')))), { maxLength: 2 })).map(([c, a, b, o]) => [c, a, b, ...o.flat()]),
  fc.tuple(fc.constant('ns'), fc.array(ref, { maxLength: 4 })).map(([c, r]) => [c, ...r]),
  fc.tuple(fc.constant('ps'), ref, fc.option(fc.tuple(fc.constantFrom('-c', '--container'), word))).map(([c, r, o]) => [c, r, ...(o ?? [])]),
  fc.tuple(fc.constant('whois'), fc.oneof(fc.integer({ min: -5, max: 4194400 }).map(String), word), fc.option(fc.tuple(fc.constant('--node'), word))).map(([c, p, o]) => [c, p, ...(o ?? [])]),
  fc.tuple(fc.constant('lsns'), fc.option(fc.tuple(fc.constantFrom('-t', '--type'), fc.oneof(word, fc.constantFrom('net', 'pid,uts', 'bogus', ','))))).map(([c, o]) => [c, ...(o ?? [])]),
  fc.tuple(fc.constantFrom('ephemeral', 'completion'), fc.array(fc.oneof(word, fc.constantFrom('bash', 'zsh', 'fish')), { maxLength: 2 })).map(([c, a]) => [c, ...a]),
  // exec only with refs that can never name a process here: what runs is never reached.
  fc.tuple(fc.constant('exec'), fc.constantFrom('web', 'pid/0', 'container/xyz', 'Web', ''), fc.array(fc.oneof(word, fc.constantFrom('--', '--ns', 'all', 'bogus', '--timeout', '0', '-c')), { maxLength: 5 })).map(([c, r, a]) => [c, r, ...a]),
  fc.array(word, { maxLength: 4 }),
);
const argvArb = fc.tuple(fc.array(globalFlag, { maxLength: 2 }), command, fc.array(globalFlag, { maxLength: 1 }), fc.boolean())
  .map(([pre, cmd, post, json]) => [...pre.flat(), ...cmd, ...post.flat(), ...(json ? ['-o', 'json'] : [])])
  // Never a runnable exec (a valid local ref anywhere, or stdin/tty), never the agent: nothing here may act.
  // A real argv cannot hold a NUL byte.
  .filter((a) => !a.some((x) => x.includes('\0')))
  .filter((a) => !a.includes('agent') && !(a.includes('exec') && a.some((x) => ['-i', '-t', '--stdin', '--tty', '-it', '-ti'].includes(x) || isValidLocal(x))));

function isValidLocal(s: string): boolean {
  try {
    parseLocalRef(s);
    return true;
  } catch {
    return false;
  }
}

interface Run { code: number; stdout: string; stderr: string }

/** Properties of one run; returns what is wrong, or undefined. */
function wrong(args: string[], r: Run): string | undefined {
  const lines = r.stderr.split('\n').filter(Boolean);
  if (![0, 1, 2, 3].includes(r.code)) return `exit ${r.code}`;
  if (/^\s+at /m.test(r.stderr) || /internal error/.test(r.stderr)) return `stack trace or internal error: ${r.stderr.slice(0, 500)}`;
  if (r.code === 1 || r.code === 3) {
    if (lines.length !== 1 || !lines[0]?.startsWith('nsinspect: ')) return `exit ${r.code} wants one "nsinspect: " line, got ${JSON.stringify(r.stderr.slice(0, 500))}`;
  }
  if (r.code === 2) {
    const ours = lines.length === 1 && lines[0]?.startsWith('nsinspect: ');
    const commanders = lines.length >= 1 && lines.length <= 3 && lines[0]?.startsWith('error: ');
    // No command at all: commander shows the help on stderr, as git does.
    const help = lines[0]?.startsWith('Usage: nsinspect') && !args.some((a) => ['diff', 'ns', 'ps', 'whois', 'lsns', 'ephemeral', 'completion', 'exec'].includes(a));
    if (!ours && !commanders && !help) return `usage error wants one line, got ${JSON.stringify(r.stderr.slice(0, 500))}`;
  }
  if (r.code === 0 && args.includes('json') && r.stdout && !args.some((a) => ['-h', '--help', '-V', '--version', 'completion'].includes(a))) {
    try {
      JSON.parse(r.stdout);
    } catch {
      return `-o json printed no JSON: ${r.stdout.slice(0, 200)}`;
    }
  }
  return undefined;
}

let n = 0;
/** Runs the real program in this process: argv set, stdout and stderr captured, a fresh module instance. */
async function runInProcess(args: string[]): Promise<Run> {
  const out = { stdout: '', stderr: '' };
  const saved = { argv: process.argv, out: process.stdout.write, err: process.stderr.write, env: { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME } };
  process.argv = [process.execPath, 'nsinspect', ...args];
  process.env.KUBECONFIG = kc.missing;
  process.env.HOME = tmp;
  process.exitCode = undefined;
  process.stdout.write = ((s: string | Uint8Array) => ((out.stdout += String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => ((out.stderr += String(s)), true)) as typeof process.stderr.write;
  try {
    let timer: NodeJS.Timeout | undefined;
    // cli/main.ts exports `done`, settled when the command is (the module itself loads at once).
    await Promise.race([import(`${MAIN}?fuzz=${++n}`).then((m: { done: Promise<void> }) => m.done), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no exit within 60 s')), 60_000)))]).finally(() => clearTimeout(timer));
    return { code: Number(process.exitCode ?? 0), ...out };
  } finally {
    Object.assign(process, { argv: saved.argv });
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    for (const [k, v] of Object.entries(saved.env)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    process.exitCode = 0;
  }
}

t.test('random argument vectors, in-process: exit 0-3, one line on stderr, no stack traces', async (t) => {
  // Warm-up, untimed: the first cluster command loads the Kubernetes client (seconds on a busy machine).
  for (const args of [['whois', '1', '--node', 'x'], ['ns', 'pid/1']]) t.ok((await runInProcess(args)).code <= 3, `warm-up: ${args.join(' ')}`);
  const seen = new Map<number, number>();
  await check(t, 'argv', fc.asyncProperty(argvArb, async (args) => {
    const r = await runInProcess(args);
    seen.set(r.code, (seen.get(r.code) ?? 0) + 1);
    const w = wrong(args, r);
    if (w) throw new Error(`${JSON.stringify(args)}: ${w}`);
  }), 0.5);
  t.comment(`exit codes: ${JSON.stringify(Object.fromEntries(seen))}`);
  t.ok((seen.get(0) ?? 0) > 0 && (seen.get(1) ?? 0) > 0 && (seen.get(2) ?? 0) > 0, 'successes, errors and usage errors all generated');
});

t.test('a sample spawned as the built binary answers exactly as in-process', { skip: process.env.FC_CLI_SPAWNS === '0' && 'FC_CLI_SPAWNS=0' }, async (t) => {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, KUBECONFIG: kc.missing, NODE_OPTIONS: '' };
  const samples = fc.sample(argvArb, { seed: Number(process.env.FC_SEED ?? 1), numRuns: Number(process.env.FC_CLI_SPAWNS ?? 12) });
  for (const args of samples) {
    const child = await execa(process.execPath, [DIST, ...args], { reject: false, env, extendEnv: false, stdin: 'ignore', timeout: 20_000 });
    const r = { code: child.exitCode ?? -1, stdout: child.stdout, stderr: child.stderr };
    const w = wrong(args, r);
    if (w) t.fail(`${JSON.stringify(args)}: ${w}`);
    const inproc = await runInProcess(args);
    t.equal(r.code, inproc.code, `${JSON.stringify(args).slice(0, 120)}: exit ${r.code}`);
  }
});
