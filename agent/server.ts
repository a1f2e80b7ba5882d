// Listens: parses the addresses, refuses unsafe combinations, and starts the composed agent.
import { isIP } from 'node:net';
import { NsinspectError } from './errors.js';
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

/** Starts the agent and resolves once it listens. */
export async function runAgent(opts: AgentOptions): Promise<{ close: () => Promise<void>; url: string; metricsUrl?: string }> {
  const api = parseListen(opts.listen);
  if (opts.auth === 'none' && !isLoopback(api.host)) {
    throw new NsinspectError('INVALID', `--auth none is refused on ${opts.listen}: without authorization the API may only listen on loopback`, {
      hint: 'use --listen 127.0.0.1:9742, or --auth kubernetes',
    });
  }
  const metricsAddr = opts.metricsListen === 'off' ? undefined : parseListen(opts.metricsListen);
  const agent = await buildAgent(opts);
  const url = await agent.app.listen({ host: api.host, port: api.port });
  const metricsUrl = metricsAddr ? await agent.metricsApp.listen({ host: metricsAddr.host, port: metricsAddr.port }) : undefined;
  agent.start();
  return { close: agent.close, url, ...(metricsUrl ? { metricsUrl } : {}) };
}
