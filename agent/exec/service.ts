// Exec sessions: PID-reuse guard, concurrency limit, limits, audit lines and metrics, one-shot or attached.
import { NsinspectError } from '../errors.js';
import type { Subject } from '../engine.js';
import type { UserInfo } from '../model/auth.js';
import { readNamespaces, readStartTime } from '../procfs/proc.js';
import { type ExecPlan, type NsSelection, execPlan } from './argv.js';
import { type RunResult, runCapped } from './run.js';

export const EXEC_DEFAULTS = { timeoutSeconds: 30, maxTimeoutSeconds: 600, maxOutputBytes: 1024 * 1024, maxSessions: 8, idleSeconds: 900 };

export interface ExecRequest {
  subject: Subject;
  /** What the audit line names: "shop/web/app" or "container/<id>". */
  target: string;
  command: string[];
  namespaces: NsSelection;
  timeoutSeconds?: number;
  stdin?: string;
  user: UserInfo;
}

export interface ExecResponse {
  exitCode: number;
  stdout: string;
  stderr: string;
  truncated: boolean;
  durationMs: number;
}

export interface AuditLog {
  info(obj: object, msg: string): void;
}

export type ExecResult = 'ok' | 'error' | 'timeout' | 'refused';

/** How an admitted session ended, for its audit line and metrics. */
export interface SessionEnd {
  result: ExecResult;
  exitCode: number | null;
  reason?: string;
  bytesIn: number;
  bytesOut: number;
}

/** A session that passed the limit and the PID-reuse guard; holds one slot until end() is called. */
export interface Admission {
  plan: ExecPlan;
  pid: number;
  /** Re-checks the PID-reuse guard; call right before spawning. */
  stillSame(): boolean;
  /** Frees the slot and writes the end audit line. Idempotent. */
  end(e: SessionEnd): void;
}

export class ExecService {
  private active = 0;
  private readonly shutdownHooks = new Set<() => void>();
  onSession: (mode: string, result: ExecResult) => void = () => undefined;

  constructor(
    private readonly audit: AuditLog,
    readonly limits = { maxSessions: EXEC_DEFAULTS.maxSessions, maxOutputBytes: EXEC_DEFAULTS.maxOutputBytes, idleSeconds: EXEC_DEFAULTS.idleSeconds },
  ) {}

  get activeSessions(): number {
    return this.active;
  }

  /**
   * Admits a session or refuses it: 429 over the limit, 409 when the PID changed since it was
   * resolved. Writes the start audit line.
   */
  admit(req: Omit<ExecRequest, 'stdin' | 'timeoutSeconds'>, tty: boolean): Admission {
    const mode = Array.isArray(req.namespaces) ? 'list' : req.namespaces;
    if (this.active >= this.limits.maxSessions) {
      this.onSession(mode, 'refused');
      throw new NsinspectError('TOO_MANY', `${this.active} exec sessions are running, the limit is ${this.limits.maxSessions}`, { hint: 'try again when one has ended' });
    }
    // PID-reuse guard: the PID must still be the process we resolved, right before nsenter runs.
    const { pid, startTime } = req.subject;
    const stillSame = (): boolean => readStartTime(pid) === startTime;
    if (!stillSame()) {
      this.onSession(mode, 'refused');
      throw new NsinspectError('NOT_RUNNING', `${req.target}: process ${pid} changed since it was looked up (exited, or its PID was reused)`, { hint: 'the container restarted; try again' });
    }
    const plan = execPlan(pid, req.namespaces, readNamespaces(pid).namespaces, readNamespaces(process.pid).namespaces, req.command);
    const started = new Date();
    const base = { audit: 'exec', user: req.user.username, groups: req.user.groups, target: req.target, pid, namespaces: plan.entered, argv: req.command, tty };
    this.audit.info({ ...base, phase: 'start', start: started.toISOString() }, 'exec session start');
    this.active++;
    let ended = false;
    return {
      plan,
      pid,
      stillSame,
      end: (e) => {
        if (ended) return;
        ended = true;
        this.active--;
        this.onSession(mode, e.result);
        const { result: _r, ...rest } = e;
        this.audit.info({ ...base, phase: 'end', start: started.toISOString(), end: new Date().toISOString(), ...rest }, 'exec session end');
      },
    };
  }

  /** A one-shot command: output captured up to the cap, the whole process group killed at the end. */
  async exec(req: ExecRequest, signal?: AbortSignal): Promise<ExecResponse> {
    const timeoutSeconds = req.timeoutSeconds ?? EXEC_DEFAULTS.timeoutSeconds;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > EXEC_DEFAULTS.maxTimeoutSeconds) {
      throw new NsinspectError('INVALID', `timeoutSeconds must be a whole number from 1 to ${EXEC_DEFAULTS.maxTimeoutSeconds}`);
    }
    const a = this.admit(req, false);
    const ac = new AbortController();
    const stop = (): void => ac.abort();
    // Ended by the agent's shutdown: the client gets 503 saying so, not a bare exit code 137.
    let shutDown = false;
    const onShutdown = (): void => {
      shutDown = true;
      ac.abort();
    };
    signal?.addEventListener('abort', stop);
    this.shutdownHooks.add(onShutdown);
    let r: RunResult | undefined;
    try {
      r = await runCapped(a.plan.argv, req.stdin, { timeoutMs: timeoutSeconds * 1000, maxOutputBytes: this.limits.maxOutputBytes }, ac.signal);
      if (shutDown) throw new NsinspectError('UNAVAILABLE', `${req.target}: the exec session was ended because the agent is shutting down; its processes were killed`, { hint: 'run it again once the agent is back' });
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, truncated: r.truncated, durationMs: r.durationMs };
    } finally {
      signal?.removeEventListener('abort', stop);
      this.shutdownHooks.delete(onShutdown);
      const end = { result: (!r || shutDown ? 'error' : r.timedOut ? 'timeout' : 'ok') as ExecResult, exitCode: r?.exitCode ?? null, ...(r?.timedOut ? { reason: 'timeout' } : shutDown ? { reason: 'shutdown' } : {}), bytesIn: r?.bytesIn ?? 0, bytesOut: r?.bytesOut ?? 0 };
      // The answer goes now; the slot and the end audit line wait until nothing of it is left.
      if (r) void r.reaped.then(() => a.end(end));
      else a.end(end);
    }
  }

  /** Registers a session's stopper for shutdown(); returns the unregister function. */
  onShutdown(stop: () => void): () => void {
    this.shutdownHooks.add(stop);
    return () => this.shutdownHooks.delete(stop);
  }

  /** Ends every live session (agent shutdown): their processes are killed, their clients told. */
  shutdown(): void {
    for (const stop of [...this.shutdownHooks]) stop();
  }
}
