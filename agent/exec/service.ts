// Exec sessions: PID-reuse guard, concurrency limit, limits, audit lines and metrics around runCapped.
import { NsinspectError } from '../errors.js';
import type { Subject } from '../engine.js';
import type { UserInfo } from '../model/auth.js';
import { readNamespaces, readStartTime } from '../procfs/proc.js';
import { type NsSelection, execPlan } from './argv.js';
import { type RunResult, runCapped } from './run.js';

export const EXEC_DEFAULTS = { timeoutSeconds: 30, maxTimeoutSeconds: 600, maxOutputBytes: 1024 * 1024, maxSessions: 8 };

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

export class ExecService {
  private active = 0;
  onSession: (mode: string, result: ExecResult) => void = () => undefined;

  constructor(
    private readonly audit: AuditLog,
    readonly limits = { maxSessions: EXEC_DEFAULTS.maxSessions, maxOutputBytes: EXEC_DEFAULTS.maxOutputBytes },
  ) {}

  get activeSessions(): number {
    return this.active;
  }

  async exec(req: ExecRequest, signal?: AbortSignal): Promise<ExecResponse> {
    const mode = Array.isArray(req.namespaces) ? 'list' : req.namespaces;
    const timeoutSeconds = req.timeoutSeconds ?? EXEC_DEFAULTS.timeoutSeconds;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > EXEC_DEFAULTS.maxTimeoutSeconds) {
      throw new NsinspectError('INVALID', `timeoutSeconds must be a whole number from 1 to ${EXEC_DEFAULTS.maxTimeoutSeconds}`);
    }
    if (this.active >= this.limits.maxSessions) {
      this.onSession(mode, 'refused');
      throw new NsinspectError('TOO_MANY', `${this.active} exec sessions are running, the limit is ${this.limits.maxSessions}`, { hint: 'try again when one has ended' });
    }
    // PID-reuse guard: the PID must still be the process we resolved, right before nsenter runs.
    const { pid, startTime } = req.subject;
    if (readStartTime(pid) !== startTime) {
      this.onSession(mode, 'refused');
      throw new NsinspectError('NOT_RUNNING', `${req.target}: process ${pid} changed since it was looked up (exited, or its PID was reused)`, { hint: 'the container restarted; try again' });
    }
    const plan = execPlan(pid, req.namespaces, readNamespaces(pid).namespaces, readNamespaces(process.pid).namespaces, req.command);
    const started = new Date();
    const base = { audit: 'exec', user: req.user.username, groups: req.user.groups, target: req.target, pid, namespaces: plan.entered, argv: req.command, tty: false };
    this.audit.info({ ...base, phase: 'start', start: started.toISOString() }, 'exec session start');
    this.active++;
    let r: RunResult | undefined;
    try {
      r = await runCapped(plan.argv, req.stdin, { timeoutMs: timeoutSeconds * 1000, maxOutputBytes: this.limits.maxOutputBytes }, signal);
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, truncated: r.truncated, durationMs: r.durationMs };
    } finally {
      this.active--;
      const result: ExecResult = !r ? 'error' : r.timedOut ? 'timeout' : 'ok';
      this.onSession(mode, result);
      this.audit.info(
        { ...base, phase: 'end', start: started.toISOString(), end: new Date().toISOString(), exitCode: r?.exitCode ?? null, timedOut: r?.timedOut ?? false, bytesIn: r?.bytesIn ?? 0, bytesOut: r?.bytesOut ?? 0 },
        'exec session end',
      );
    }
  }
}
