// Puts an exec session in its own cgroup before its command runs, and kills it as a unit at the end.
import { randomBytes } from 'node:crypto';
import { SessionCgroups, type SessionCgroup, type SessionLimits } from '../procfs/session-cgroup.js';
import { reapSession } from './reap.js';

/**
 * The first process of a session is this fixed script, never a string built from input: it
 * writes its own PID ($$) to each cgroup.procs file given before "--", then execs the rest of its
 * argv (nsenter …) as the same process. So the session is in its cgroups before nsenter opens a
 * namespace, and everything it starts is born there. A write that fails stops it (exit 125)
 * before anything of the user's runs. Why not move the child from the agent after spawning: the
 * command would already be running, and its first fork could land outside. clone3 with
 * CLONE_INTO_CGROUP would need a native addon; /bin/sh is in every image that has nsenter.
 */
export const JOIN_SCRIPT = 'for f do [ "$f" = -- ] && break; echo $$ > "$f" || exit 125; shift; done; shift; exec "$@"';

export function joinArgv(procsFiles: string[], argv: string[]): string[] {
  return ['/bin/sh', '-c', JOIN_SCRIPT, 'nsinspect-join', ...procsFiles, '--', ...argv];
}

export interface ContainLog {
  warn(obj: object, msg: string): void;
}

/** One session's containment: the argv to spawn, and how to end everything it started. */
export interface Contained {
  argv: string[];
  /** The session's cgroups; undefined when none could be made (then /proc is walked instead). */
  cgroup?: SessionCgroup;
  /** Kills every process of the session. `leader` and `tag` serve only the /proc fallback. */
  killAll(leader: number, leaderStart: number | undefined, tag: string): Promise<void>;
  /** Kills what is left and removes the cgroups. Idempotent. */
  release(): Promise<void>;
}

/** Creates session cgroups under one parent per hierarchy, set up once per agent. */
export class Containment {
  private cgroups: SessionCgroups | undefined;
  private warned = false;

  constructor(
    private readonly limits: SessionLimits,
    private readonly log: ContainLog,
    private readonly where: { parent?: string | undefined; dir?: string | undefined } = {},
  ) {}

  /** How sessions are contained on this host (set up on first use). */
  get info(): SessionCgroups['info'] {
    return this.setup().info;
  }

  private setup(): SessionCgroups {
    if (!this.cgroups) {
      const cg = (this.cgroups = this.where.dir !== undefined ? SessionCgroups.setupDir(this.limits, this.where.dir) : SessionCgroups.setup(this.limits, this.where.parent));
      // What an agent that died left running is ended now, not left to live on unbounded.
      void cg.sweepStale().then(
        (n) => n > 0 && this.log.warn({ sessions: n }, 'killed the exec sessions a previous agent left behind'),
        (err: unknown) => this.log.warn({ err }, 'sweeping stale exec session cgroups'),
      );
    }
    return this.cgroups;
  }

  wrap(argv: string[]): Contained {
    const cg = this.setup().create(`s-${process.pid}-${randomBytes(6).toString('hex')}`);
    if (!cg) {
      if (!this.warned) {
        this.warned = true;
        this.log.warn({ problems: this.setup().info.problems }, 'no cgroup could be made for exec sessions: they are ended by walking /proc instead (a process that leaves the session and clears its environment can survive)');
      }
      return {
        argv,
        killAll: async (leader, leaderStart, tag) => void (await reapSession(leader, leaderStart, tag)),
        release: async () => undefined,
      };
    }
    let releasing: Promise<void> | undefined;
    // From a private cgroup namespace, join from the host's: see SessionCgroupsInfo.enterCgroupNs.
    const ns = this.setup().info.enterCgroupNs;
    const joined = joinArgv(cg.procsFiles, argv);
    return {
      argv: ns !== undefined ? ['nsenter', `--cgroup=${ns}`, '--', ...joined] : joined,
      cgroup: cg,
      killAll: () => cg.kill(),
      release: () => (releasing ??= cg.kill().then(() => cg.remove())),
    };
  }
}
