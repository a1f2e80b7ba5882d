// One attached exec session: a pty (node-pty) or pipes, bridged to a WebSocket with the frames.ts framing.
import type { WebSocket } from 'ws';
import { execa, type ResultPromise } from 'execa';
import { CH, type EndReason, type StatusFrame, frame, frames, parseResize } from '../protocol/frames.js';
import { closeLeftStreams, sessionTag } from './reap.js';
import { readStartTime } from '../procfs/proc.js';
import { PtyWriter } from './pty-writer.js';
import { exitCodeOf, programOf, signalNumber } from './run.js';
import type { Admission } from './service.js';

export interface AttachOptions {
  tty: boolean;
  cols: number;
  rows: number;
  /** No input and no output for this long ends the session. */
  idleMs: number;
}

export interface SessionLog {
  warn(obj: object, msg: string): void;
  debug?(obj: object, msg: string): void;
}

/** Above this many bytes queued on the socket, the process's output is paused. */
const HIGH_WATER = 1024 * 1024;
/**
 * Input the agent holds for a process at most. Pipes: reading the socket stops as soon as the
 * pipe is full (back-pressure), so this is reached only by what was already read. A pty has no
 * such signal that node-pty exposes: input queues in PtyWriter, and past this the session ends.
 * Either way the client gets close code 1009 (message too big), and the agent keeps its memory.
 */
export const STDIN_MAX_QUEUED = 1024 * 1024;
/** How often a session whose input is paused checks that its client is still there. */
const PROBE_MS = 2000;
const BASE_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/', TERM: 'xterm-256color' };

/** The slice of a pty or a child process a session drives. */
interface Proc {
  pid: number;
  /** The leader's start time, read right after spawning: the PID-reuse guard for killing it. */
  startTime: number | undefined;
  /** Queues input; false when over STDIN_MAX_QUEUED (the session is then ended). */
  write(b: Buffer): boolean;
  endInput(): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  /** Closes the pty or pipes; the processes are reaped separately. */
  close(): void;
}

const NO_ARGS: string[] = [];

export class AttachSession {
  private proc: Proc | undefined;
  private ended = false;
  private paused = false;
  private bytesIn = 0;
  private bytesOut = 0;
  private readonly idle: NodeJS.Timeout;
  private readonly lifetime: NodeJS.Timeout;
  /** Pings while reading is paused for back-pressure: a paused socket would not notice the client leave. */
  private probe: NodeJS.Timeout | undefined;
  /** In every process's environment: finds what left the session (see reap.ts). */
  private readonly tag = sessionTag();
  private readonly env: Record<string, string>;
  private readonly unregister: () => void;

  constructor(
    private readonly socket: WebSocket,
    private readonly admission: Admission,
    private readonly opts: AttachOptions,
    private readonly log: SessionLog,
    onShutdown: (stop: () => void) => () => void,
  ) {
    this.env = { ...BASE_ENV, ...this.tag.env };
    this.idle = setTimeout(() => this.finish('idle', null, undefined, `no input or output for ${Math.round(opts.idleMs / 1000)} s`), opts.idleMs);
    this.lifetime = setTimeout(() => this.finish('timeout', null, undefined, `the session reached its maximum lifetime of ${Math.round(admission.lifetimeMs / 1000)} s`), admission.lifetimeMs);
    this.unregister = onShutdown(() => this.finish('shutdown', null, undefined, 'the agent is shutting down'));
    socket.on('message', (data: Buffer, isBinary: boolean) => this.onFrame(data, isBinary));
    socket.on('close', () => this.finish('disconnect', null));
    socket.on('error', () => this.finish('disconnect', null));
  }

  /** Spawns the process, unless the container changed since admission. */
  async start(): Promise<void> {
    // No await before a pipe session's spawn: frames that arrive before the process exists are
    // dropped, so a client's first stdin and its close must find the process already there.
    if (!this.admission.stillSame()) {
      this.finish('error', null, undefined, `process ${this.admission.pid} changed since it was looked up (exited, or its PID was reused)`);
      return;
    }
    try {
      const [file, args] = programOf(this.admission.argv);
      this.proc = this.opts.tty ? await this.spawnPty(file, args) : this.spawnPipes(file, args);
    } catch (err) {
      this.log.warn({ err }, 'starting an attached exec session');
      this.finish('error', null, undefined, `could not start ${this.admission.argv.at(0) ?? 'an empty command'}: ${(err as Error).message}`);
    }
  }

  private async spawnPty(file: string, args: string[]): Promise<Proc> {
    const pty = await import('node-pty');
    const p = pty.spawn(file, args.length ? args : NO_ARGS, { name: BASE_ENV.TERM, cols: this.opts.cols, rows: this.opts.rows, cwd: '/', env: this.env, encoding: null });
    // node-pty rethrows socket errors other than EIO unless someone listens. A listener also gets
    // the EIO every pty read ends with once the session's last process closed the terminal: that
    // is the ordinary end of a session, not a warning.
    (p as unknown as { on(ev: 'error', f: (e: NodeJS.ErrnoException) => void): void }).on('error', (err) => {
      if (err.code === 'EIO' || err.code === 'EAGAIN') this.log.debug?.({ code: err.code }, 'pty closed');
      else this.log.warn({ err }, 'pty error');
    });
    p.onData((d) => this.output(CH.stdout, d as unknown as Buffer));
    p.onExit(({ exitCode, signal }) => this.finish('exit', signal ? 128 + signal : exitCode, signal || undefined));
    if (this.ended) p.kill('SIGKILL');
    // Never p.write(): see pty-writer.ts.
    const writer = new PtyWriter((p as unknown as { _fd: number })._fd, STDIN_MAX_QUEUED);
    return {
      pid: p.pid,
      startTime: readStartTime(p.pid),
      write: (b) => writer.write(b),
      endInput: () => void writer.write('\x04'),
      resize: (c, r) => p.resize(c, r),
      pause: () => p.pause(),
      resume: () => p.resume(),
      close: () => {
        writer.close();
        // node-pty's destroy() would SIGHUP p.pid once the fd is closed: by then that PID may
        // name another process. The session's processes are already reaped: just close the fd.
        const t = p as unknown as { _close(): void; _socket: { destroy(): void }; _writeStream: { dispose(): void } };
        t._close();
        t._writeStream.dispose();
        t._socket.destroy();
      },
    };
  }

  private spawnPipes(file: string, args: string[]): Proc {
    const child: ResultPromise = execa(file, args, { shell: false, detached: true, reject: false, buffer: false, stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', env: this.env, extendEnv: false, cleanup: true });
    child.stdout?.on('data', (b: Buffer) => this.output(CH.stdout, b));
    child.stderr?.on('data', (b: Buffer) => this.output(CH.stderr, b));
    child.stdin?.on('error', () => undefined); // EPIPE when the process exits before reading
    const resume = (): void => this.resumeInput();
    child.stdin?.on('drain', resume);
    child.stdin?.on('close', resume);
    // When the leader exits, what it left behind goes too, so that nothing holds the pipes open.
    const leaderStart = child.pid ? readStartTime(child.pid) : undefined;
    child.once('exit', () => void this.admission.killAll(child.pid ?? -1, leaderStart, this.tag.entry).then(() => closeLeftStreams(child)).catch(() => undefined));
    void child.then((r) => {
      this.finish('exit', exitCodeOf(r), r.signal ? signalNumber(r.signal) : undefined);
    });
    return {
      pid: child.pid ?? -1,
      startTime: child.pid ? readStartTime(child.pid) : undefined,
      write: (b) => {
        const stdin = child.stdin;
        if (!stdin || stdin.destroyed) return true;
        if (stdin.writableLength + b.length > STDIN_MAX_QUEUED) return false;
        // Back-pressure: a full pipe stops reading the socket until the process has read.
        if (!stdin.write(b)) this.pauseInput();
        return true;
      },
      endInput: () => child.stdin?.end(),
      resize: () => undefined,
      pause: () => {
        child.stdout?.pause();
        child.stderr?.pause();
      },
      resume: () => {
        child.stdout?.resume();
        child.stderr?.resume();
      },
      close: () => {
        child.stdin?.destroy();
        child.stdout?.destroy();
        child.stderr?.destroy();
      },
    };
  }

  private pauseInput(): void {
    if (this.socket.isPaused) return;
    this.socket.pause();
    this.probe ??= setInterval(() => {
      if (this.socket.readyState === this.socket.OPEN) this.socket.ping();
    }, PROBE_MS);
  }

  private resumeInput(): void {
    clearInterval(this.probe);
    this.probe = undefined;
    if (this.socket.isPaused) this.socket.resume();
  }

  private output(channel: number, b: Buffer): void {
    if (this.ended || this.socket.readyState !== this.socket.OPEN) return;
    this.bytesOut += b.length;
    this.idle.refresh();
    for (const f of frames(channel, b)) this.socket.send(f, { binary: true }, () => this.maybeResume());
    if (!this.paused && this.socket.bufferedAmount > HIGH_WATER) {
      this.paused = true;
      this.proc?.pause();
    }
  }

  private maybeResume(): void {
    if (this.paused && !this.ended && this.socket.bufferedAmount < HIGH_WATER / 4) {
      this.paused = false;
      this.proc?.resume();
    }
  }

  /** Frames from the client. Anything malformed is dropped: a bad frame never ends a session. */
  private onFrame(data: Buffer, isBinary: boolean): void {
    if (this.ended || !isBinary || !Buffer.isBuffer(data) || data.length === 0) return;
    const payload = data.subarray(1);
    switch (data[0]) {
      case CH.stdin:
        if (payload.length === 0) return;
        this.bytesIn += payload.length;
        this.idle.refresh();
        if (this.proc && !this.proc.write(payload)) {
          this.finish('error', null, undefined, `more than ${STDIN_MAX_QUEUED} bytes of input are waiting for the process to read them; the session is closed`, 1009);
        }
        return;
      case CH.resize: {
        const r = parseResize(payload);
        if (r) this.proc?.resize(r.cols, r.rows);
        return;
      }
      case CH.close:
        this.proc?.endInput();
        return;
      default:
        return;
    }
  }

  /**
   * Ends the session once, whatever ended it: tells the client (status frame, then close), kills
   * every process the session started, closes the pty, frees the slot and writes the audit line.
   */
  finish(reason: EndReason, exitCode: number | null, signal?: number, message?: string, closeCode?: number): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.idle);
    clearTimeout(this.lifetime);
    this.unregister();
    const status: StatusFrame = { exitCode, reason, ...(signal ? { signal } : {}), ...(message ? { message } : {}) };
    if (this.socket.readyState === this.socket.OPEN) {
      this.socket.send(frame(CH.status, JSON.stringify(status)), { binary: true });
      this.socket.close(closeCode ?? (reason === 'shutdown' ? 1001 : 1000), reason);
    }
    const proc = this.proc;
    const leader = proc?.pid ?? -1;
    // A paused socket would never see the close handshake complete.
    this.resumeInput();
    void this.admission.killAll(leader, proc?.startTime, this.tag.entry)
      .catch((err: unknown) => this.log.warn({ err, leader }, 'reaping an exec session'))
      .finally(() => {
        proc?.close();
        const result = reason === 'exit' ? 'ok' : reason === 'idle' || reason === 'timeout' ? 'timeout' : 'error';
        this.admission.end({ result, exitCode, reason, bytesIn: this.bytesIn, bytesOut: this.bytesOut });
      });
  }
}

