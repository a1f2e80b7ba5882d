// Runs the agent: wires engine, pod cache, reviewer and metrics, listens, and drains on SIGTERM.
import Fastify from 'fastify';
import { isIP } from 'node:net';
import { NsinspectError } from './errors.js';
import { Engine } from './engine.js';
import { buildApp, SERVER_LIMITS } from './http/app.js';
import { Metrics } from './metrics/registry.js';
import { PodView } from './podview.js';
import { nodeCounts, type NodeCounts } from './discovery/counts.js';

export interface AgentOptions {
  listen: string;
  metricsListen: string;
  nodeName?: string;
  kubeconfig?: string;
  auth: 'kubernetes' | 'none';
  metricsContainerInodes: boolean;
  /** How often the node-wide process and namespace counts are refreshed. */
  nodeScanIntervalMs: number;
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

/** Starts the agent and resolves once it listens; returns a function that shuts it down. */
export async function runAgent(opts: AgentOptions): Promise<{ close: () => Promise<void>; url: string; metricsUrl?: string }> {
  const api = parseListen(opts.listen);
  if (opts.auth === 'none' && !isLoopback(api.host)) {
    throw new NsinspectError('INVALID', `--auth none is refused on ${opts.listen}: without authorization the API may only listen on loopback`, {
      hint: 'use --listen 127.0.0.1:9742, or --auth kubernetes',
    });
  }
  const metricsAddr = opts.metricsListen === 'off' ? undefined : parseListen(opts.metricsListen);
  const logger = { level: process.env.LOG_LEVEL ?? 'info' };
  const engine = new Engine();
  let podLog: { info(o: object, m: string): void; warn(o: object, m: string): void } | undefined;

  // Kubernetes is optional: loaded lazily so node-local use never pays for the client.
  const kube = await import('./kube/config.js');
  const loaded = kube.loadKubeConfig(opts.kubeconfig);
  let pods: import('./kube/pod-cache.js').PodCache | null = null;
  let reviewer: import('./model/auth.js').AccessReviewer | null = null;
  if (loaded) {
    if (!opts.nodeName) throw new NsinspectError('INVALID', 'the node name is unknown', { hint: 'pass --node-name, or set NODE_NAME from the downward API (spec.nodeName)' });
    const { PodCache } = await import('./kube/pod-cache.js');
    const { KubeReviewer } = await import('./kube/reviewer.js');
    if (opts.auth === 'kubernetes') reviewer = new KubeReviewer(loaded.kc);
    // The cache logs through the app's pino logger, which exists only once the app is built.
    pods = new PodCache(loaded.kc, opts.nodeName, { info: (o, m) => podLog?.info(o, m), warn: (o, m) => podLog?.warn(o, m) });
  } else if (opts.auth === 'kubernetes') {
    reviewer = {
      authenticate: async () => {
        throw new Error('no Kubernetes config: tokens cannot be verified');
      },
      authorize: async () => ({ allowed: false }),
    };
  }

  let counts: NodeCounts | undefined;
  const view = new PodView(engine);
  const metrics = new Metrics({ pods, view, kubeUp: pods ? () => pods.up() : undefined, nodeCounts: () => counts, containerInodes: opts.metricsContainerInodes });
  const app = await buildApp({ engine, pods, reviewer, nodeName: opts.nodeName ?? '', onDecision: metrics.countDecision }, { logger });
  podLog = app.log.child({ component: 'pod-watch' });
  app.log.info({ kubeconfig: loaded?.source ?? null, node: opts.nodeName ?? null, auth: opts.auth }, loaded ? 'watching the pods of this node' : 'no Kubernetes config: pod endpoints are off, node-local endpoints only');

  const scan = (): void => {
    try {
      counts = nodeCounts();
    } catch (err) {
      app.log.warn({ err }, 'node scan failed');
    }
  };
  setImmediate(scan);
  const scanTimer = setInterval(scan, opts.nodeScanIntervalMs);
  scanTimer.unref();

  const metricsApp = metricsAddr ? Fastify({ ...SERVER_LIMITS, logger: false }) : undefined;
  metricsApp?.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(await metrics.render()));
  metricsApp?.get('/healthz', async () => ({ status: 'ok' }));

  const url = await app.listen({ host: api.host, port: api.port });
  const metricsUrl = metricsApp && metricsAddr ? await metricsApp.listen({ host: metricsAddr.host, port: metricsAddr.port }) : undefined;
  if (pods) void pods.start();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      clearInterval(scanTimer);
      await pods?.stop();
      // fastify.close() stops accepting, answers 503 to new requests and waits for in-flight ones.
      await Promise.all([app.close(), metricsApp?.close()]);
    })());
  return { close, url, ...(metricsUrl ? { metricsUrl } : {}) };
}
