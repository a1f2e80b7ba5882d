// The fallback where no session cgroup could be made: kills every process in the session or below its leader, found through /proc.
import { randomBytes } from 'node:crypto';
import { environHas, listPids, readStat } from '../procfs/proc.js';

/** Every exec session's processes carry this in their environment, with the session's own value. */
export const SESSION_ENV = 'NSINSPECT_SESSION';

export interface SessionTag {
  /** "NSINSPECT_SESSION=<hex>", as it reads in /proc/<pid>/environ: what the reaper looks for. */
  entry: string;
  /** The same variable, to put in a child's environment. */
  env: Record<string, string>;
}

/** A fresh session tag. */
export function sessionTag(): SessionTag {
  const value = randomBytes(12).toString('hex');
  return { entry: `${SESSION_ENV}=${value}`, env: { [SESSION_ENV]: value } };
}

/**
 * Host PIDs that belong to the session led by `leader`: same session ID, a descendant of the
 * leader, or (for what started after the leader) the session's tag in its environment. An
 * interactive shell puts each job in its own process group, so killing the leader's group is
 * not enough; a process that called setsid() and was re-parented to the container's init (a
 * double fork inside a pid namespace) is found by its tag. Only one that also cleared its
 * environment escapes, and becomes the container's own, as with `kubectl exec`.
 */
export async function sessionMembers(leader: number, leaderStart?: number, tag?: string): Promise<number[]> {
  const parent = new Map<number, number>();
  const members = new Set<number>();
  const pids = listPids();
  for (const [i, pid] of pids.entries()) {
    // A node may have 10,000 processes: give the event loop a turn every 500 reads.
    if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    const st = readStat(pid);
    if (!st) continue;
    parent.set(pid, st.ppid);
    if (st.session === leader) members.add(pid);
    else if (tag && leaderStart !== undefined && st.startTime >= leaderStart && environHas(pid, tag)) members.add(pid);
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
export async function reapSession(leader: number, leaderStart: number | undefined, tag?: string, rounds = 5): Promise<number> {
  if (leader <= 1 || leader === process.pid) return 0;
  let killed = 0;
  for (let i = 0; i < rounds; i++) {
    // A PID is not reused while a live process still has it as its session ID; so if the leader's
    // PID now names another process, nothing of ours is left and that one is not ours to kill.
    const now = readStat(leader);
    if (now && leaderStart !== undefined && now.startTime !== leaderStart) break;
    const pids = (await sessionMembers(leader, leaderStart, tag)).filter((p) => readStat(p)?.state !== 'Z');
    if (pids.length === 0) break;
    for (const p of pids) kill(p, 'SIGKILL');
    killed += pids.length;
    await new Promise((r) => setTimeout(r, 10 * (i + 1)));
  }
  return killed;
}

/**
 * Our ends of a child's stdio, still open 500 ms after the leader and its session were reaped, are
 * closed: a process that escaped (it cleared its environment, too) must not keep the answer waiting.
 */
export async function closeLeftStreams(child: { stdout?: NodeJS.ReadableStream | null; stderr?: NodeJS.ReadableStream | null }): Promise<void> {
  await new Promise((r) => setTimeout(r, 500));
  for (const s of [child.stdout, child.stderr]) (s as unknown as { destroy?: () => void } | null)?.destroy?.();
}
