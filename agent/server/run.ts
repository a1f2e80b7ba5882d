// Listens: parses the addresses, refuses unsafe combinations, and starts the composed agent.
import { write } from 'node:fs';
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { NsinspectError, errnoOf, wrap } from '../model/errors.js';
import { type AgentConfig, buildAgent } from './compose.js';

export interface AgentOptions extends AgentConfig {
  listen: string;
  metricsListen: string;
}

export function parseListen(s: string): { host: string; port: number } {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:]+):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535 || (isIP(m[1]) === 0 && m[1] !== 'localhost')) {
    throw new NsinspectError('INVALID', `invalid listen address ${JSON.stringify(s)}`, { hint: 'use HOST:PORT, e.g. 127.0.0.1:9742 or [::1]:9742' });
  }
  return { host: m[1], port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

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
    const buf = this.queue.length === 1 ? this.queue[0] : Buffer.concat(this.queue);
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

/** Starts the agent and resolves once it listens. */
export async function runAgent(opts: AgentOptions): Promise<{ close: () => Promise<void>; url: string; metricsUrl?: string }> {
  const api = parseListen(opts.listen);
  if (opts.auth === 'none' && !isLoopback(api.host)) {
    throw new NsinspectError('INVALID', `--auth none is refused on ${opts.listen}: without authorization the API may only listen on loopback`, {
      hint: 'use --listen 127.0.0.1:9742, or --auth kubernetes',
    });
  }
  const metricsAddr = opts.metricsListen === 'off' ? undefined : parseListen(opts.metricsListen);
  const sink = new LogSink();
  const agent = await buildAgent(opts, { ...LOG_FORMAT, level: process.env.LOG_LEVEL ?? 'info', stream: sink });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const started = Date.now();
      agent.app.log.info({ listeners: [url, metricsUrl].filter(Boolean) }, 'shutting down: no new requests; in-flight ones finish, exec sessions end');
      await agent.close();
      agent.app.log.info({ ms: Date.now() - started, droppedLogLines: sink.dropped }, 'stopped');
      await sink.flush();
    })());
  let url: string | undefined;
  let metricsUrl: string | undefined;
  try {
    url = await listenOn(agent.app, api, opts.listen, '--listen', 'API');
    if (metricsAddr) metricsUrl = await listenOn(agent.metricsApp, metricsAddr, opts.metricsListen, '--metrics-listen', 'metrics');
  } catch (err) {
    // Never half-started: the listener that did open is closed before the error goes up.
    await close();
    throw err;
  }
  if (!metricsAddr) agent.app.log.info('metrics listener off (--metrics-listen off)');
  agent.start();
  return { close, url, ...(metricsUrl ? { metricsUrl } : {}) };
}

/** What a failed listen(2) means, for the one line the operator reads. */
const LISTEN_ERRORS: Record<string, [string, string]> = {
  EADDRINUSE: ['the address is in use', 'another process (another agent?) listens there: stop it, or pick another port with FLAG'],
  EACCES: ['permission denied', 'ports below 1024 need CAP_NET_BIND_SERVICE: pick a port above 1023 with FLAG'],
  EADDRNOTAVAIL: ['the address is not one of this machine\'s', 'use an address of a local interface, 127.0.0.1 or 0.0.0.0, with FLAG'],
};

async function listenOn(app: FastifyInstance, addr: { host: string; port: number }, text: string, flag: string, name: string): Promise<string> {
  try {
    // fastify logs one line per bound address: say which listener it is.
    return await app.listen({ host: addr.host, port: addr.port, listenTextResolver: (address) => `${name} listening at ${address}` });
  } catch (err) {
    const known = LISTEN_ERRORS[errnoOf(err) ?? ''];
    if (!known) throw wrap(`listening on ${text} (${flag})`, err);
    throw new NsinspectError('UNAVAILABLE', `cannot listen on ${text} (${flag}): ${known[0]}`, { hint: known[1].replace('FLAG', flag), cause: err });
  }
}
