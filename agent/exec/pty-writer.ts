// Writes to a pty master synchronously, so that no write is ever in flight when the pty is closed.
import { writeSync } from 'node:fs';

/**
 * node-pty queues writes to the master fd through the thread pool (fs.write). A write still in
 * flight when the pty is closed lands on whatever reuses that fd number next: the fuzzer saw one
 * session's keystrokes arrive on another client's freshly accepted socket. Here every write is a
 * writeSync on the non-blocking fd: EAGAIN keeps the rest queued for a retry on a timer, and
 * close() drops the queue, so after it nothing touches the fd again.
 */
export class PtyWriter {
  private queue: Buffer[] = [];
  private queued = 0;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  /** maxQueued: input waiting for the terminal beyond this many bytes is refused (see write). */
  constructor(
    private readonly fd: number,
    readonly maxQueued = 1024 * 1024,
  ) {}

  /** Bytes waiting for the terminal to take them. */
  get pending(): number {
    return this.queued;
  }

  /**
   * Queues b and writes what the terminal takes now. Returns false, queueing nothing, when that
   * would put more than maxQueued bytes in the queue: a process that does not read its terminal
   * must not make the agent hold a flood of input. The caller ends the session then.
   */
  write(b: Buffer | string): boolean {
    if (this.closed) return true;
    const buf = typeof b === 'string' ? Buffer.from(b) : b;
    if (this.queued + buf.length > this.maxQueued) return false;
    this.queue.push(buf);
    this.queued += buf.length;
    if (this.queue.length === 1) this.flush();
    return true;
  }

  private flush(): void {
    this.retry = undefined;
    for (let head = this.queue.at(0); !this.closed && head !== undefined; head = this.queue.at(0)) {
      let n: number;
      try {
        n = writeSync(this.fd, head);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
          this.retry = setTimeout(() => this.flush(), 5);
          return;
        }
        // EIO and friends: the other side is gone; input has nowhere to go.
        this.queue = [];
        this.queued = 0;
        return;
      }
      this.queued -= n;
      if (n < head.length) this.queue[0] = head.subarray(n);
      else this.queue.shift();
    }
  }

  /** Queued input is dropped; the fd is never written again. Call before the pty is closed. */
  close(): void {
    this.closed = true;
    this.queue = [];
    this.queued = 0;
    clearTimeout(this.retry);
  }
}
