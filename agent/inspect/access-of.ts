// The access answer for two resolved subjects: reads both sides' credentials and the node's settings, then judges.
import { NsinspectError } from '../model/errors.js';
import { readCreds, readNodeSecurity } from '../procfs/creds.js';
import { readStat } from '../procfs/proc.js';
import { procRootFromEnv } from '../procfs/root.js';
import { hostNamespaces } from '../discovery/host.js';
import { ACCESS_OPS, type AccessInput, type AccessParty, accessVerdicts, verdict } from '../analysis/access.js';
import type { AccessVerdict, PodSecurity } from '../model/access.js';
import type { AccessReport, Subject } from '../model/answers.js';
import type { DebuggerAccess } from '../model/pod-view.js';

/** One side's credentials, read after its namespaces; NOT_FOUND when the PID was reused meanwhile. */
function party(s: Subject, proc: string): AccessParty {
  const creds = readCreds(s.pid, proc);
  if (readStat(s.pid, proc)?.startTime !== s.startTime) {
    throw new NsinspectError('NOT_FOUND', `reading credentials of ${s.ref}: pid ${s.pid} exited while being read`, { hint: 'it may have restarted; try again' });
  }
  return { creds, namespaces: s.namespaces, pidDepth: creds.pidDepth };
}

/** podSecurity: the pod's namespace's level, for pod subjects (fixes are then judged against it). */
export function accessInput(target: Subject, dbg: Subject, podSecurity?: PodSecurity, proc = procRootFromEnv()): AccessInput {
  return { target: party(target, proc), debugger: party(dbg, proc), host: hostNamespaces(proc), node: readNodeSecurity(proc), ...(podSecurity ? { podSecurity } : {}) };
}

/** Both sides' privileges and every op's verdict with its full walk. */
export function accessOf(target: Subject, dbg: Subject, podSecurity?: PodSecurity, proc = procRootFromEnv()): AccessReport {
  const input = accessInput(target, dbg, podSecurity, proc);
  return {
    target: { subject: target, creds: input.target.creds },
    debugger: { subject: dbg, creds: input.debugger.creds },
    node: input.node,
    verdicts: accessVerdicts(input),
  };
}

/** The short form diff carries: six verdicts, all unknown (saying why) when a side's credentials cannot be read. */
export function accessSummary(target: Subject, dbg: Subject, podSecurity?: PodSecurity, proc = procRootFromEnv()): AccessVerdict[] {
  try {
    return accessVerdicts(accessInput(target, dbg, podSecurity, proc));
  } catch (err) {
    // The namespace diff stands on its own: a side whose credentials cannot be read (gone, hidden, or a
    // status file this parser does not understand) makes the access part unknown, not the diff an error.
    if (!(err instanceof NsinspectError)) throw err;
    return ACCESS_OPS.map((op) => ({ op, allowed: 'unknown', reason: err.message, checks: [] }));
  }
}

/** ptrace and read-root only, for the pod view and metrics: unknown (not an error) when a side cannot be read. */
export function debuggerAccess(target: Subject, dbg: Subject, targetName: string, proc = procRootFromEnv()): DebuggerAccess {
  try {
    const input = accessInput(target, dbg, undefined, proc);
    const p = verdict('ptrace', input);
    const r = verdict('read-root', input);
    return {
      target: targetName, ptrace: p.allowed, readRoot: r.allowed,
      ...(p.blockedBy ? { ptraceBlockedBy: p.blockedBy } : {}), ...(r.blockedBy ? { readRootBlockedBy: r.blockedBy } : {}),
    };
  } catch (err) {
    if (!(err instanceof NsinspectError)) throw err;
    return { target: targetName, ptrace: 'unknown', readRoot: 'unknown' };
  }
}
