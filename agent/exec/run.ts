// Spawns one argv in its own process group, caps its output, and kills the whole group on timeout.
import { constants } from 'node:os';
import { readStartTime } from '../procfs/proc.js';
import { NsinspectError } from '../model/errors.js';
import { closeLeftStreams, reapSession, sessionTag } from './reap.js';

export interface RunLimits {
  timeoutMs: number;
  /** Bytes kept per stream; the rest is counted and dropped. */
  maxOutputBytes: number;
  /** Kills everything the command started (its session cgroup); default: the /proc walk of reap.ts. */
  killAll?: (leader: number, leaderStart: number | undefined, tag: string) => Promise<unknown>;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timedOut: boolean;
  durationMs: number;
  bytesIn: number;
  bytesOut: number;
  /**
   * Settles when every process the command started is gone. The answer does not wait for it (a
   * scan of /proc costs ~25 ms per 1,000 processes); the session's slot does.
   */
  reaped: Promise<void>;
}

class Capped {
  private chunks: Buffer[] = [];
  private kept = 0;
  total = 0;
  constructor(private readonly max: number) {}
  push(b: Buffer): void {
    this.total += b.length;
    if (this.kept >= this.max) return;
    const part = b.subarray(0, this.max - this.kept);
    this.chunks.push(part);
    this.kept += part.length;
  }
  get truncated(): boolean {
    return this.total > this.kept;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Kills a process group, ignoring one that is already gone. */
export function killGroup(pgid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: nothing left
  }
}

/**
 * Runs argv (no shell) with stdin from `input`. The child leads a new process group, so a timeout
 * or an abort kills everything it started, grandchildren included. Never throws for the child's own
 * failure: a non-zero exit is a result.
 */
export async function runCapped(argv: string[], input: string | undefined, limits: RunLimits, signal?: AbortSignal): Promise<RunResult> {
  const start = performance.now();
  const out = new Capped(limits.maxOutputBytes);
  const err = new Capped(limits.maxOutputBytes);
  const tag = sessionTag();
  // Loaded by the first exec, not with the agent: a node never asked for one does not keep execa resident.
  const { execa } = await import('execa');
  const [file, args] = programOf(argv);
  const child = execa(file, args, {
    shell: false,
    detached: true,
    reject: false,
    buffer: false,
    stdin: input === undefined ? 'ignore' : 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', TERM: 'dumb', ...tag.env },
    extendEnv: false,
    cleanup: true,
  });
  const pgid = child.pid;
  // The leader's start time tells its PID apart from a reuse when we reap at the end.
  const leaderStart = pgid === undefined ? undefined : readStartTime(pgid);
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  if (input !== undefined) child.stdin?.end(input);
  // Everything the command started goes: its group, and (found through /proc) whatever left the
  // group but stayed in its session or below the leader, e.g. `setsid cmd &`. Until then such a
  // process could hold stdout open, and the answer would wait for it.
  let reaping: Promise<unknown> | undefined;
  const reap = (): Promise<unknown> => {
    if (pgid === undefined) return Promise.resolve(0);
    killGroup(pgid);
    return (reaping = (limits.killAll ?? reapSession)(pgid, leaderStart, tag.entry));
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void reap();
  }, limits.timeoutMs);
  const onAbort = (): void => void reap();
  signal?.addEventListener('abort', onAbort);
  // An abort while execa was loading came before the listener.
  if (signal?.aborted) onAbort();
  // The leader's exit ends the command: what it left behind is killed now, so the pipes close.
  // A process that escaped the session (setsid, re-parented into the container) is found by its
  // tag; should it hold our pipes still, our ends are closed: the answer never waits on it.
  child.once('exit', () => {
    void reap().then(() => closeLeftStreams(child));
  });
  const r = await child;
  clearTimeout(timer);
  signal?.removeEventListener('abort', onAbort);
  // 'exit' came before the streams closed, so the reap is under way; a leader that never got a
  // PID (spawn failed) has nothing to reap.
  const reaped = (reaping ?? reap()).then(() => undefined, () => undefined);
  return {
    reaped,
    exitCode: exitCodeOf(r),
    stdout: out.text(),
    stderr: err.text(),
    truncated: out.truncated || err.truncated,
    timedOut,
    durationMs: Math.round((performance.now() - start) * 10) / 10,
    bytesIn: input === undefined ? 0 : Buffer.byteLength(input),
    bytesOut: out.total + err.total,
  };
}

/** Splits an argv into the program and its arguments. An empty argv is a bug of the caller's, not bad input. */
export function programOf(argv: readonly string[]): [file: string, args: string[]] {
  const [file, ...args] = argv;
  if (file === undefined) {
    throw new NsinspectError('INTERNAL', 'spawning a command: the argv is empty', { hint: 'this is a bug in nsinspect: please report it with the command that was run' });
  }
  return [file, args];
}

/** A signal's number, from the platform's own table (9 if unknown). */
export function signalNumber(sig: string): number {
  return (constants.signals as Record<string, number>)[sig] ?? 9;
}

/** The shell's convention: the exit code, or 128 + the signal that ended the process. */
export function exitCodeOf(r: { exitCode?: number; signal?: string }): number {
  return typeof r.exitCode === 'number' ? r.exitCode : 128 + (r.signal ? signalNumber(r.signal) : 9);
}

/**
 * Runs argv attached to our own terminal (stdio inherited, same foreground process group), for the
 * node-local `nsinspect exec`. Ctrl-C reaches the child through the terminal; we ignore it meanwhile.
 * Resolves with the child's exit code (128+n for a signal).
 */
export async function runAttached(argv: string[]): Promise<number> {
  const ignore = (): void => undefined;
  process.on('SIGINT', ignore);
  process.on('SIGQUIT', ignore);
  try {
    const { execa } = await import('execa');
    const [file, args] = programOf(argv);
    const r = await execa(file, args, { shell: false, reject: false, stdio: 'inherit', cleanup: true });
    return exitCodeOf(r);
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGQUIT', ignore);
  }
}
