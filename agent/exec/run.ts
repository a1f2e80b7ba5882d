// Spawns one argv in its own process group, caps its output, and kills the whole group on timeout.
import { execa } from 'execa';

export interface RunLimits {
  timeoutMs: number;
  /** Bytes kept per stream; the rest is counted and dropped. */
  maxOutputBytes: number;
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
  const child = execa(argv[0], argv.slice(1), {
    shell: false,
    detached: true,
    reject: false,
    buffer: false,
    stdin: input === undefined ? 'ignore' : 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', TERM: 'dumb' },
    extendEnv: false,
    cleanup: true,
  });
  const pgid = child.pid;
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  if (input !== undefined) child.stdin?.end(input);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (pgid !== undefined) killGroup(pgid);
  }, limits.timeoutMs);
  const onAbort = (): void => {
    if (pgid !== undefined) killGroup(pgid);
  };
  signal?.addEventListener('abort', onAbort);
  const r = await child;
  clearTimeout(timer);
  signal?.removeEventListener('abort', onAbort);
  // The leader exited; anything it left in its group goes too.
  if (pgid !== undefined) killGroup(pgid);
  return {
    exitCode: typeof r.exitCode === 'number' ? r.exitCode : 128 + (r.signal ? signalNumber(r.signal) : 9),
    stdout: out.text(),
    stderr: err.text(),
    truncated: out.truncated || err.truncated,
    timedOut,
    durationMs: Math.round((performance.now() - start) * 10) / 10,
    bytesIn: input === undefined ? 0 : Buffer.byteLength(input),
    bytesOut: out.total + err.total,
  };
}

function signalNumber(sig: string): number {
  const n: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13, SIGSEGV: 11, SIGABRT: 6 };
  return n[sig] ?? 9;
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
    const r = await execa(argv[0], argv.slice(1), { shell: false, reject: false, stdio: 'inherit', cleanup: true });
    return typeof r.exitCode === 'number' ? r.exitCode : 128 + (r.signal ? signalNumber(r.signal) : 9);
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGQUIT', ignore);
  }
}
