// The node-local exec: nsenter into a resolved subject from the CLI's own terminal, guarding PID reuse.
import { NsinspectError } from '../model/errors.js';
import type { Subject } from '../model/answers.js';
import { readNamespaces, readStartTime } from '../procfs/proc.js';
import { type NsSelection, execPlan } from './argv.js';
import { runAttached } from './run.js';

/** Runs argv in the subject's selected namespaces, attached to this terminal; resolves to its exit code. */
export async function execLocal(s: Subject, selection: NsSelection, argv: string[]): Promise<number> {
  const plan = execPlan(s.pid, selection, s.namespaces, readNamespaces(process.pid).namespaces, argv);
  // The plan names /proc/<pid>: the process must still be the one resolved, not a reuse of its PID.
  if (readStartTime(s.pid) !== s.startTime) throw new NsinspectError('NOT_RUNNING', `${s.ref}: process ${s.pid} changed since it was looked up`, { hint: 'try again' });
  return runAttached(plan.argv);
}
