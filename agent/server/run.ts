// Listens: parses the addresses, refuses unsafe combinations, and starts the composed agent.
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { NsinspectError, errnoOf, wrap } from '../model/errors.js';
import { type AgentConfig, buildAgent } from './compose.js';
import { LOG_FORMAT, LogSink } from './log-sink.js';

export { LOG_FORMAT, LogSink };

export interface AgentOptions extends AgentConfig {
  listen: string;
  metricsListen: string;
}

export function parseListen(s: string): { host: string; port: number } {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:]+):(\d{1,5})$/.exec(s);
  const [host, port] = m?.[1] !== undefined && m[2] !== undefined ? [m[1], Number(m[2])] : ['', NaN];
  if (!m || !(port <= 65535) || (isIP(host) === 0 && host !== 'localhost')) {
    throw new NsinspectError('INVALID', `invalid listen address ${JSON.stringify(s)}`, { hint: 'use HOST:PORT, e.g. 127.0.0.1:9742 or [::1]:9742' });
  }
  return { host, port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

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
