// The agent's JSON log: where its lines go (an asynchronous, bounded, lossy sink) and how pino formats them.
import { write } from 'node:fs';

/**
 * The JSON log's destination: asynchronous, bounded and lossy. pino's default (a synchronous
 * sonic-boom) retries a failed write forever: with the log's disk full (ENOSPC) the whole agent
 * hung, /healthz and SIGTERM included. Here a write that fails is dropped and counted, a slow
 * reader costs at most maxQueued bytes of memory, and the event loop never waits on the log.
 */
export class LogSink {
  dropped = 0;
  private queue: Buffer[] = [];
  private queued = 0;
  private writing = false;
  private idle: Array<() => void> = [];

  constructor(private readonly fd = 1, private readonly maxQueued = 4 * 1024 * 1024) {}

  write(line: string): void {
    const b = Buffer.from(line);
    if (this.queued + b.length > this.maxQueued) {
      this.dropped++;
      return;
    }
    this.queue.push(b);
    this.queued += b.length;
    if (!this.writing) this.pump();
  }

  private pump(): void {
    if (this.queue.length === 0) {
      this.writing = false;
      for (const f of this.idle.splice(0)) f();
      return;
    }
    this.writing = true;
    const buf = Buffer.concat(this.queue);
    const lines = this.queue.length;
    this.queue = [];
    this.queued = 0;
    write(this.fd, buf, 0, buf.length, null, (err, n) => {
      if (err && (err.code === 'EAGAIN' || err.code === 'EINTR')) {
        // A non-blocking pipe that is full: try again shortly, ahead of what came since.
        this.queue.unshift(buf);
        this.queued += buf.length;
        setTimeout(() => this.pump(), 10).unref();
        return;
      }
      if (err) this.dropped += lines; // ENOSPC, EIO, EPIPE…: the log is lost, the agent goes on
      else if (n < buf.length) {
        this.queue.unshift(buf.subarray(n));
        this.queued += buf.length - n;
      }
      this.pump();
    });
  }

  /** Resolves once everything queued is written (or dropped), or after timeoutMs. */
  flush(timeoutMs = 1_000): Promise<void> {
    if (!this.writing) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      t.unref();
      this.idle.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

/**
 * pino's output for people and log pipelines alike: "level":"info" rather than 30, and ISO 8601
 * times (pino.stdTimeFunctions.isoTime) rather than epoch milliseconds.
 */
export const LOG_FORMAT = {
  formatters: { level: (label: string) => ({ level: label }) },
  timestamp: (): string => `,"time":"${new Date().toISOString()}"`,
};
