// Wires the agent together without listening: engine, pod cache, reviewer, metrics, and both apps.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { NsinspectError } from './errors.js';
import { Engine } from './engine.js';
import { buildApp, SERVER_LIMITS } from './http/app.js';
import { Metrics } from './metrics/registry.js';
import { PodView } from './podview.js';
import { nodeCounts, type NodeCounts } from './discovery/counts.js';
import type { AccessReviewer } from './model/auth.js';
import type { PodCache } from './kube/pod-cache.js';
import { EXEC_DEFAULTS, ExecService } from './exec/service.js';

export interface AgentConfig {
  nodeName?: string;
  kubeconfig?: string;
  auth: 'kubernetes' | 'none';
  metricsContainerInodes: boolean;
  /** How often the node-wide process and namespace counts are refreshed. */
  nodeScanIntervalMs: number;
  /** Exec sessions allowed at once; the next one gets 429. */
  maxExecSessions?: number;
  /** An attached session with no input or output this long is ended. */
  execIdleSeconds?: number;
  /** Exec sessions one user may hold at once (the last free slot goes only to a user holding none). */
  maxExecSessionsPerUser?: number;
  /** An attached session ends after this long, busy or not. */
  execMaxLifetimeSeconds?: number;
  /** The cgroup under which nsinspect-sessions/<session> is made; default: the parent of the agent's. */
  execCgroupParent?: string;
}

export interface Agent {
  app: FastifyInstance;
  metricsApp: FastifyInstance;
  engine: Engine;
  pods: PodCache | null;
  metrics: Metrics;
  /** Starts the pod watch and the node scans. */
  start(): void;
  /** Stops the watch and closes both apps; in-flight requests finish first. Idempotent. */
  close(): Promise<void>;
}

/** Without a Kubernetes config, --auth kubernetes cannot verify anyone: every /v1 request gets 503. */
const NO_KUBE_REVIEWER: AccessReviewer = {
  authenticate: async () => {
    throw new Error('no Kubernetes config: tokens cannot be verified');
  },
  authorize: async () => ({ allowed: false }),
};

export async function buildAgent(cfg: AgentConfig, logger: FastifyServerOptions['logger'] = { level: process.env.LOG_LEVEL ?? 'info' }): Promise<Agent> {
  const engine = new Engine();
  let podLog: FastifyInstance['log'] | undefined;
  // Kubernetes is optional and loaded lazily, so node-local use never pays for the client.
  const { loadKubeConfig } = await import('./kube/config.js');
  const loaded = await loadKubeConfig(cfg.kubeconfig);
  let pods: PodCache | null = null;
  let reviewer: AccessReviewer | null = cfg.auth === 'none' ? null : NO_KUBE_REVIEWER;
  if (loaded) {
    if (!cfg.nodeName) throw new NsinspectError('INVALID', 'the node name is unknown', { hint: 'pass --node-name, or set NODE_NAME from the downward API (spec.nodeName)' });
    const { PodCache } = await import('./kube/pod-cache.js');
    const { KubeReviewer } = await import('./kube/reviewer.js');
    if (cfg.auth === 'kubernetes') reviewer = new KubeReviewer(loaded.client);
    // The cache logs through the app's pino logger, which exists only once the app is built.
    pods = new PodCache(loaded.client, cfg.nodeName, { info: (o, m) => podLog?.info(o, m), warn: (o, m) => podLog?.warn(o, m) });
  }

  let counts: NodeCounts | undefined;
  let auditLog: FastifyInstance['log'] | undefined;
  const exec = new ExecService(
    { info: (o, m) => auditLog?.info(o, m), warn: (o, m) => auditLog?.warn(o, m) },
    {
      maxSessions: cfg.maxExecSessions ?? EXEC_DEFAULTS.maxSessions,
      maxOutputBytes: EXEC_DEFAULTS.maxOutputBytes,
      idleSeconds: cfg.execIdleSeconds ?? EXEC_DEFAULTS.idleSeconds,
      maxSessionsPerUser: cfg.maxExecSessionsPerUser ?? EXEC_DEFAULTS.maxSessionsPerUser,
      maxLifetimeSeconds: cfg.execMaxLifetimeSeconds ?? EXEC_DEFAULTS.maxLifetimeSeconds,
      ...(cfg.execCgroupParent !== undefined ? { cgroupParent: cfg.execCgroupParent } : {}),
    },
  );
  const view = new PodView(engine);
  const metrics = new Metrics({ pods, view, kubeUp: pods ? () => (pods as PodCache).up() : undefined, nodeCounts: () => counts, containerInodes: cfg.metricsContainerInodes, execActive: () => exec.activeSessions, execLimits: exec.limitValues() });
  exec.onSession = metrics.countExec;
  const app = await buildApp({ engine, pods, reviewer, nodeName: cfg.nodeName ?? '', onDecision: metrics.countDecision, exec }, { logger });
  podLog = app.log.child({ component: 'pod-watch' });
  auditLog = app.log.child({ component: 'audit' });
  app.log.info({ exec: exec.containment.info }, 'exec sessions: each in its own cgroup, killed as a unit by the method named');
  app.log.info(
    { kubeconfig: loaded?.source ?? null, node: cfg.nodeName ?? null, auth: cfg.auth },
    loaded ? 'watching the pods of this node' : 'no Kubernetes config: pod endpoints are off, node-local endpoints only',
  );

  const metricsApp = Fastify({ ...SERVER_LIMITS, logger: false });
  metricsApp.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(await metrics.render()));
  metricsApp.get('/healthz', async () => ({ status: 'ok' }));
  // Kubelet probes reach the pod IP and the API listens on loopback: readiness is served here too.
  metricsApp.get('/readyz', async (_req, reply) => {
    const r = await app.inject({ method: 'GET', url: '/readyz' });
    return reply.code(r.statusCode).type('application/json; charset=utf-8').send(r.body);
  });

  let scanning = false;
  const scan = (): void => {
    if (scanning) return;
    scanning = true;
    nodeCounts()
      .then((c) => {
        counts = c;
      })
      .catch((err: unknown) => app.log.warn({ err }, 'node scan failed'))
      .finally(() => {
        scanning = false;
      });
  };
  let timer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;
  return {
    app, metricsApp, engine, pods, metrics,
    start() {
      setImmediate(scan);
      timer = setInterval(scan, cfg.nodeScanIntervalMs);
      timer.unref();
      if (pods) void pods.start();
    },
    close: () =>
      (closing ??= (async () => {
        clearInterval(timer);
        await pods?.stop();
        // Live exec sessions end now (processes killed, clients told "shutdown"), so the drain below
        // does not wait for an interactive shell.
        exec.shutdown();
        // fastify.close() stops accepting, answers 503 to new requests and waits for in-flight ones.
        await Promise.all([app.close(), metricsApp.close()]);
        await exec.drained();
      })()),
  };
}
