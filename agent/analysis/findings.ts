// Pure: names the known debugger situations in plain words from namespace inodes alone.
import type { NsSet, NsType } from '../model/types.js';
import type { Finding } from '../model/findings.js';

export interface FindingInput {
  target: NsSet;
  debugger: NsSet;
  host: NsSet;
  /** The pod's sandbox, when both sides are in one pod and the sandbox was found. */
  sandbox?: NsSet;
  /** Host PID of the target's init process, and its PID in its own pid namespace. */
  targetPid: number;
  targetInnerPid: number;
  /** Names for the sentences: a container name, or a short ID, or "pid 42". */
  targetName: string;
  debuggerName: string;
  /**
   * The target is a plain Docker container (runtime docker, no pod): the advice names
   * `docker run --pid container:<id>` instead of `kubectl debug --target`.
   */
  docker?: { targetID: string };
}

const same = (a: NsSet, b: NsSet | undefined, t: NsType): boolean =>
  b !== undefined && a[t] !== undefined && a[t] === b[t];

/** The findings for a debugger against its target, most important first. */
export function findings(i: FindingInput): Finding[] {
  const out: Finding[] = [];
  const { target: T, debugger: D, host: H, sandbox: S } = i;
  const unreadable = (['pid', 'net', 'mnt', 'ipc', 'uts', 'user', 'cgroup', 'time'] as NsType[]).filter(
    (t) => T[t] === undefined || D[t] === undefined,
  );
  if (unreadable.length > 0) {
    out.push({ code: 'UNREADABLE', message: `could not read ${unreadable.join(', ')} of one side (process gone, or access denied): those rows are unknown` });
  }

  // pid: the question kubectl debug --target is about.
  if (same(D, H, 'pid')) {
    out.push({ code: 'HOST_PID', message: `the pid namespace is the host's (hostPID): ${i.debuggerName} sees every process on the node` });
  } else if (S && same(T, S, 'pid') && same(D, S, 'pid')) {
    out.push({ code: 'POD_SHARED_PID', message: `the pid namespace is shared pod-wide (shareProcessNamespace): every container sees the others' processes, and --target changes nothing` });
  } else if (S && same(D, S, 'pid') && !same(D, T, 'pid')) {
    out.push({ code: 'TARGET_IGNORED', message: `${i.debuggerName} joined the sandbox's pid namespace instead of ${i.targetName}'s: the runtime ignored --target, so it sees /pause and not ${i.targetName}'s processes (containerd before 1.5.0, containerd#5008)` });
  } else if (same(D, T, 'pid')) {
    const as = i.docker ? '`docker run --pid container:<id>`' : 'kubectl debug --target';
    out.push({ code: 'TARGET_PID_SHARED', message: `${i.debuggerName} shares ${i.targetName}'s pid namespace, as ${as} does: it sees ${i.targetName}'s processes` });
  } else if (D.pid !== undefined && T.pid !== undefined) {
    out.push({ code: 'NO_TARGET', message: i.docker ? dockerNoTarget(i, i.docker.targetID) : `${i.debuggerName} has its own pid namespace: it was started without --target, so it cannot see ${i.targetName}'s processes; start it with \`kubectl debug --target=<container>\`` });
  }

  if (same(D, H, 'net') && same(D, H, 'uts')) {
    out.push({ code: 'HOST_NETWORK', message: `net and uts are the host's (hostNetwork): ${i.debuggerName} sees the node's interfaces and hostname` });
  }
  if (same(D, H, 'ipc')) {
    out.push({ code: 'HOST_IPC', message: `ipc is the host's (hostIPC): shared memory and semaphores of the whole node are visible` });
  }
  const notJoined = (['net', 'ipc', 'uts'] as NsType[]).filter((t) => S && !same(D, S, t) && !same(D, H, t) && D[t] !== undefined);
  if (notJoined.length > 0) {
    out.push({ code: 'NOT_IN_POD_NAMESPACE', message: `${notJoined.join(', ')} ${notJoined.length > 1 ? 'are' : 'is'} not the pod's: ${i.debuggerName} is not in the sandbox's ${notJoined.join('/')} namespace, as a pod's containers should be` });
  }

  if (D.mnt !== undefined && T.mnt !== undefined && D.mnt !== T.mnt) {
    const via = same(D, T, 'pid')
      ? `from ${i.debuggerName}, reach ${i.targetName}'s files at /proc/${i.targetInnerPid}/root (from the host: /proc/${i.targetPid}/root)`
      : `from the host, reach ${i.targetName}'s files at /proc/${i.targetPid}/root`;
    out.push({ code: 'MNT_PRIVATE', message: `mnt is private, as expected: ${via}` });
  }
  return out;
}

/** Docker has no --target: a debugger joins a container's namespaces one flag at a time. */
function dockerNoTarget(i: FindingInput, id: string): string {
  const c = id.slice(0, 12);
  return `${i.debuggerName} has its own pid namespace: it was started without --pid container:${c}, so it cannot see ${i.targetName}'s processes; start it with \`docker run --pid container:${c} --network container:${c} --ipc container:${c} …\``;
}
