// Exec sessions: PID-reuse guard, concurrency limit, limits, audit lines and metrics, one-shot or attached.
import { NsinspectError } from '../model/errors.js';
import type { Subject } from '../model/answers.js';
import type { UserInfo } from '../model/auth.js';
import { readNamespaces, readStartTime } from '../procfs/proc.js';
import { openNsFds } from '../procfs/nsfds.js';
import { type ExecPlan, type NsSelection, type PinnedPaths, pinnedPlan, wantedTypes } from './argv.js';
import { Containment } from './contain.js';
import { type RunResult, runCapped } from './run.js';
import { EXEC_LIMITS } from '../protocol/protocol.js';

export const EXEC_DEFAULTS = {
  timeoutSeconds: EXEC_LIMITS.defaultTimeoutSeconds,
  maxTimeoutSeconds: EXEC_LIMITS.maxTimeoutSeconds,
  maxOutputBytes: EXEC_LIMITS.maxOutputBytes,
  maxSessions: 8,
  maxSessionsPerUser: 2,
  idleSeconds: 900,
  maxLifetimeSeconds: 4 * 3600,
  memoryMaxBytes: 512 * 1024 * 1024,
  pidsMax: 512,
};

export interface ExecLimits {
  /** Sessions at once, all users. The last free slot goes only to a user holding none (see admit). */
  maxSessions: number;
  maxSessionsPerUser: number;
  maxOutputBytes: number;
  idleSeconds: number;
  /** An attached session ends after this long, busy or not. */
  maxLifetimeSeconds: number;
  /** Per session cgroup: memory.max (memory.limit_in_bytes on v1) and pids.max. */
  memoryMaxBytes: number;
  pidsMax: number;
  /** A cgroup path (the same in every hierarchy) to create nsinspect-sessions under, instead of beside the agent's. */
  cgroupParent?: string;
  /** A cgroup v2 directory made for the sessions (the DaemonSet's writable mount); wins over cgroupParent. */
  cgroupDir?: string;
}

export interface ExecRequest {
  subject: Subject;
  /** What the audit line names: "shop/web/app" or "container/<id>". */
  target: string;
  /** The permissions the route required of the caller, named in the audit line (both for a pod's exec). */
  permissions?: string[];
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
  warn?(obj: object, msg: string): void;
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

/**
 * A session that passed the limits and the PID-reuse guard; holds one slot, the target's open
 * namespace descriptors and its session cgroup until end() is called.
 */
export interface Admission {
  plan: ExecPlan;
  pid: number;
  /** What to spawn: plan.argv behind the step that joins the session cgroup. */
  argv: string[];
  /** An attached session ends after this long. */
  lifetimeMs: number;
  /** Whether the target is still the process resolved (a nicer error; the descriptors are what make it safe). */
  stillSame(): boolean;
  /** Kills every process of the session: its cgroup as a unit, or the /proc walk where none could be made. */
  killAll(leader: number, leaderStart: number | undefined, tag: string): Promise<void>;
  /** Frees the slot and writes the end audit line, closes the descriptors, removes the cgroup. Idempotent. */
  end(e: SessionEnd): void;
}

export class ExecService {
  private active = 0;
  private readonly perUser = new Map<string, number>();
  /** Session cgroups still being removed: shutdown waits for them. */
  private readonly releasing = new Set<Promise<void>>();
  private readonly shutdownHooks = new Set<() => void>();
  readonly limits: ExecLimits;
  readonly containment: Containment;
  onSession: (mode: string, result: ExecResult) => void = () => undefined;

  constructor(
    private readonly audit: AuditLog,
    limits: Partial<ExecLimits> = {},
  ) {
    this.limits = { ...EXEC_DEFAULTS, ...limits };
    const warn = (o: object, m: string): void => (audit.warn ? audit.warn(o, m) : audit.info(o, m));
    this.containment = new Containment({ memoryMaxBytes: this.limits.memoryMaxBytes, pidsMax: this.limits.pidsMax }, { warn }, { parent: this.limits.cgroupParent, dir: this.limits.cgroupDir });
  }

  get activeSessions(): number {
    return this.active;
  }

  /** The limits as numbers, for the nsinspect_exec_limit gauge. */
  limitValues(): Record<string, number> {
    const l = this.limits;
    return {
      max_sessions: l.maxSessions,
      max_sessions_per_user: l.maxSessionsPerUser,
      reserved_slots: 1,
      max_lifetime_seconds: l.maxLifetimeSeconds,
      idle_seconds: l.idleSeconds,
      max_output_bytes: l.maxOutputBytes,
      memory_max_bytes: l.memoryMaxBytes,
      pids_max: l.pidsMax,
    };
  }

  /**
   * The quota rule, for everyone alike (every exec is a node-level action, so every caller here is
   * a node admin): at most maxSessions at once, at most maxSessionsPerUser per user, and the last
   * free slot is never taken by a user who already holds a session, so that one busy admin cannot
   * lock out another. Returns why not, or undefined. Unauthenticated callers (--auth none, loopback
   * only) all share one name, so for them only the global limit applies.
   */
  private refusal(user: string, anonymous: boolean): string | undefined {
    const { maxSessions, maxSessionsPerUser } = this.limits;
    const mine = this.perUser.get(user) ?? 0;
    if (this.active >= maxSessions) return `${this.active} exec sessions are running, the limit is ${maxSessions}`;
    if (anonymous) return undefined;
    if (mine >= maxSessionsPerUser) return `${user} has ${mine} exec sessions running, the limit is ${maxSessionsPerUser} per user`;
    if (mine > 0 && this.active >= maxSessions - 1) return `the last free exec session slot is kept for a user with none running; ${user} has ${mine}`;
    return undefined;
  }

  /**
   * Admits a session or refuses it: 429 over the limit, 409 when the PID changed since it was
   * resolved. Writes the start audit line.
   */
  admit(req: Omit<ExecRequest, 'stdin' | 'timeoutSeconds'>, tty: boolean): Admission {
    const mode = Array.isArray(req.namespaces) ? 'list' : req.namespaces;
    const user = req.user.username;
    const over = this.refusal(user, req.user.groups.includes('system:unauthenticated'));
    if (over) {
      this.onSession(mode, 'refused');
      throw new NsinspectError('TOO_MANY', over, { hint: 'try again when one has ended' });
    }
    // PID-reuse guard: open the target's namespace files (and root, cwd), then check its start
    // time. The open descriptors are what nsenter enters (through /proc/<agent>/fd/N): no PID
    // is looked up after the check, so a reuse later cannot redirect the session.
    const { pid, startTime } = req.subject;
    let fds: ReturnType<typeof openNsFds>;
    try {
      const types = wantedTypes(req.namespaces);
      fds = openNsFds(pid, startTime, types, types.includes('mnt'));
    } catch (err) {
      this.onSession(mode, 'refused');
      if (err instanceof NsinspectError && err.code === 'NOT_RUNNING') throw new NsinspectError('NOT_RUNNING', `${req.target}: ${err.message}`, { hint: err.hint });
      throw err;
    }
    const stillSame = (): boolean => readStartTime(pid) === startTime;
    // Paths into our own fd table: the child (node-pty or not) opens them before entering anything.
    const at = (fd: number): string => `/proc/${process.pid}/fd/${fd}`;
    const paths: PinnedPaths = { ns: Object.fromEntries(Object.entries(fds.ns).map(([t, fd]) => [t, at(fd)])) };
    if (fds.root !== undefined) paths.root = at(fds.root);
    if (fds.cwd !== undefined) paths.wd = at(fds.cwd);
    const plan = pinnedPlan(req.namespaces, fds.inodes, readNamespaces(process.pid).namespaces, paths, req.command, tty);
    const contained = this.containment.wrap(plan.argv);
    const started = new Date();
    const base = { audit: 'exec', user, groups: req.user.groups, ...(req.permissions ? { permissions: req.permissions } : {}), target: req.target, pid, namespaces: plan.entered, argv: req.command, tty, cgroup: contained.cgroup !== undefined };
    this.audit.info({ ...base, phase: 'start', start: started.toISOString() }, 'exec session start');
    this.active++;
    this.perUser.set(user, (this.perUser.get(user) ?? 0) + 1);
    let ended = false;
    return {
      plan,
      pid,
      argv: contained.argv,
      lifetimeMs: this.limits.maxLifetimeSeconds * 1000,
      stillSame,
      killAll: (leader, leaderStart, tag) => contained.killAll(leader, leaderStart, tag),
      end: (e) => {
        if (ended) return;
        ended = true;
        fds.close();
        const p = contained.release().catch((err: unknown) => this.audit.warn?.({ err }, 'removing an exec session cgroup'));
        this.releasing.add(p);
        void p.finally(() => this.releasing.delete(p));
        this.active--;
        const n = (this.perUser.get(user) ?? 1) - 1;
        if (n > 0) this.perUser.set(user, n);
        else this.perUser.delete(user);
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
      if (!a.stillSame()) throw new NsinspectError('NOT_RUNNING', `${req.target}: process ${a.pid} exited since it was looked up`, { hint: 'the container restarted; try again' });
      r = await runCapped(a.argv, req.stdin, { timeoutMs: timeoutSeconds * 1000, maxOutputBytes: this.limits.maxOutputBytes, killAll: a.killAll }, ac.signal);
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

  /**
   * Resolves once every session has ended and its cgroup is removed (at most `ms`): an agent that
   * exits right after shutdown() must not leave empty session cgroups behind.
   */
  async drained(ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while ((this.active > 0 || this.releasing.size > 0) && Date.now() < end) {
      await Promise.race([Promise.all([...this.releasing]), new Promise((r) => setTimeout(r, 20))]);
    }
  }
}
