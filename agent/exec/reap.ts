// Ends an exec session for good: kills every process in its session or descended from its leader.
import { listPids, readStat } from '../procfs/proc.js';

/**
 * Host PIDs that belong to the session led by `leader`: same session ID, or a descendant of the
 * leader. An interactive shell puts each job in its own process group, so killing the leader's
 * group is not enough; a process that called setsid() is still found through its parent chain.
 * What double-forks into a container's pid namespace is re-parented to the container's init and
 * becomes the container's own, as with `kubectl exec`.
 */
export function sessionMembers(leader: number): number[] {
  const parent = new Map<number, number>();
  const members = new Set<number>();
  for (const pid of listPids()) {
    const st = readStat(pid);
    if (!st) continue;
    parent.set(pid, st.ppid);
    if (st.session === leader) members.add(pid);
  }
  for (const pid of parent.keys()) {
    for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; p = parent.get(p), hops++) {
      if (p === leader || members.has(p)) {
        members.add(pid);
        break;
      }
    }
  }
  members.delete(process.pid);
  members.delete(1);
  return [...members];
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: already gone
  }
}

/**
 * SIGKILLs the session's processes until none is left (a few rounds: a fork may race the scan).
 * Returns how many were killed. Safe to call when everything is already gone, and when the
 * leader's PID was reused meanwhile (leaderStart tells them apart).
 */
export async function reapSession(leader: number, leaderStart: number | undefined, rounds = 5): Promise<number> {
  if (leader <= 1 || leader === process.pid) return 0;
  let killed = 0;
  for (let i = 0; i < rounds; i++) {
    // A PID is not reused while a live process still has it as its session ID; so if the leader's
    // PID now names another process, nothing of ours is left and that one is not ours to kill.
    const now = readStat(leader);
    if (now && leaderStart !== undefined && now.startTime !== leaderStart) break;
    const pids = sessionMembers(leader).filter((p) => readStat(p)?.state !== 'Z');
    if (pids.length === 0) break;
    for (const p of pids) kill(p, 'SIGKILL');
    killed += pids.length;
    await new Promise((r) => setTimeout(r, 10 * (i + 1)));
  }
  return killed;
}
