// The node-local exec: nsenter into a resolved subject from the CLI's own terminal, guarding PID reuse.
import { NsinspectError } from '../model/errors.js';
import type { Subject } from '../model/answers.js';
import { readNamespaces, readStartTime } from '../procfs/proc.js';
import { type NsSelection, execPlan, pinnedPlan } from './argv.js';
import { runAttached } from './run.js';
import { PtyWriter } from './pty-writer.js';

/**
 * Runs argv in the subject's selected namespaces, attached to this terminal; resolves to its exit
 * code. With tty (stdin a terminal, -t asked), the command gets a pty of its own, bridged to ours.
 */
export async function execLocal(s: Subject, selection: NsSelection, argv: string[], tty = false): Promise<number> {
  const own = readNamespaces(process.pid).namespaces;
  // With a pty the shell must lead a session made inside the pid namespace (pinnedPlan's tty form);
  // the /proc/<pid> paths name the process checked just below.
  const proc = `/proc/${s.pid}`;
  const plan = tty
    ? pinnedPlan(selection, s.namespaces, own, { ns: Object.fromEntries(Object.keys(s.namespaces).map((t) => [t, `${proc}/ns/${t}`])), root: `${proc}/root`, wd: `${proc}/cwd` }, argv, true)
    : execPlan(s.pid, selection, s.namespaces, own, argv);
  // The plan names /proc/<pid>: the process must still be the one resolved, not a reuse of its PID.
  if (readStartTime(s.pid) !== s.startTime) throw new NsinspectError('NOT_RUNNING', `${s.ref}: process ${s.pid} changed since it was looked up`, { hint: 'try again' });
  return tty ? runInPty(plan.argv) : runAttached(plan.argv);
}

/**
 * Our terminal, raw, bridged to a new pty that argv runs in. Sharing our terminal instead would
 * leave a job-control shell (dash, busybox ash) in a session whose process group it cannot see
 * from its pid namespace: it would print "Cannot set tty process group" and exit 2 whatever the
 * user asked. Taking our terminal with setsid --ctty would take it from the user's own shell.
 */
async function runInPty(argv: string[]): Promise<number> {
  const pty = await import('node-pty');
  const [file, ...args] = argv;
  if (file === undefined) throw new NsinspectError('INTERNAL', 'running a command: the command is empty', { hint: 'this is a bug; please report it' });
  const out = process.stdout;
  const p = pty.spawn(file, args, { name: process.env.TERM ?? 'xterm-256color', cols: out.columns || 80, rows: out.rows || 24, cwd: '/', env: process.env as Record<string, string>, encoding: null });
  // The EIO every pty read ends with, once the last process closed the terminal, is the ordinary end.
  (p as unknown as { on(ev: 'error', f: (e: NodeJS.ErrnoException) => void): void }).on('error', () => undefined);
  const writer = new PtyWriter((p as unknown as { _fd: number })._fd);
  const stdin = process.stdin;
  const onInput = (d: Buffer): void => void writer.write(d);
  const onResize = (): void => p.resize(out.columns || 80, out.rows || 24);
  p.onData((d) => out.write(d as unknown as Buffer));
  stdin.setRawMode?.(true);
  stdin.on('data', onInput);
  stdin.resume();
  out.on('resize', onResize);
  try {
    return await new Promise<number>((resolve) => p.onExit(({ exitCode, signal }) => resolve(signal ? 128 + signal : exitCode)));
  } finally {
    writer.close();
    out.off('resize', onResize);
    stdin.off('data', onInput);
    stdin.setRawMode?.(false);
    stdin.pause();
  }
}
