// Wires the agent together without listening: engine, pod cache, reviewer, metrics, and both apps.
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { NsinspectError } from '../model/errors.js';
import { Engine } from '../inspect/engine.js';
import { buildApp } from './api-app.js';
import { buildMetricsApp } from './metrics-app.js';
import { Metrics } from './metrics.js';
import { PodInspector } from '../inspect/pod-inspector.js';
import { NodeScanner, type NodeCounts } from '../discovery/counts.js';
import type { AccessReviewer } from '../model/auth.js';
import type { PodSecurity } from '../model/access.js';
import type { PodCache } from '../kube/pod-cache.js';
import { EXEC_DEFAULTS, ExecService } from '../exec/service.js';
import { procRootFromEnv } from '../procfs/root.js';
import { defaultRoots } from '../discovery/records.js';

export interface AgentConfig {
  nodeName?: string;
  kubeconfig?: string;
  auth: 'kubernetes' | 'none';
  /** kubernetes: /metrics needs a token allowed `get` on the nonResourceURL /metrics. Default none. */
  metricsAuth?: 'kubernetes' | 'none';
  metricsContainerInodes: boolean;
  /** Export the per-pod families (namespace and pod labels); metricsContainerInodes implies it. */
  metricsPodLabels?: boolean;
  /** How long a rendered /metrics is reused; default METRICS_CACHE_MS. */
  metricsCacheMs?: number;
  /** How often the node-wide process and namespace counts are refreshed. */
  nodeScanIntervalMs: number;
  /** How often those counts re-read every process's namespaces (in between: new processes only); default NODE_FULL_SCAN_MS. */
  nodeFullScanIntervalMs?: number;
  /** Exec sessions allowed at once; the next one gets 429. */
  maxExecSessions?: number;
  /** An attached session with no input or output this long is ended. */
  execIdleSeconds?: number;
  /** Accept only tokens minted for this audience (TokenReview spec.audiences); unset: API-server tokens. */
  tokenAudience?: string;
  /** Exec sessions one user may hold at once (the last free slot goes only to a user holding none). */
  maxExecSessionsPerUser?: number;
  /** An attached session ends after this long, busy or not. */
  execMaxLifetimeSeconds?: number;
  /** The cgroup under which nsinspect-sessions/<session> is made; default: the parent of the agent's. */
  execCgroupParent?: string;
  /** A cgroup v2 directory made for the sessions, used instead (the DaemonSet mounts one writable). */
  execCgroupDir?: string;
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

/** A live process's setns/unshare shows in the node counts within this long (plus one scan). */
export const NODE_FULL_SCAN_MS = 300_000;

/** A scrape storm costs one render every this long; Prometheus scrapes every 15 s or more. */
export const METRICS_CACHE_MS = 2_000;

export async function buildAgent(cfg: AgentConfig, logger: FastifyServerOptions['logger'] = { level: process.env.LOG_LEVEL ?? 'info' }): Promise<Agent> {
  // Read once, here: NSINSPECT_PROC points the whole agent at another /proc (a test's fixture tree).
  const proc = procRootFromEnv();
  const engine = new Engine(defaultRoots(), proc);
  let podLog: FastifyInstance['log'] | undefined;
  // Kubernetes is optional and loaded lazily, so node-local use never pays for the client.
  const { loadKubeConfig } = await import('../kube/config.js');
  const loaded = await loadKubeConfig(cfg.kubeconfig);
  const metricsAuth = cfg.metricsAuth ?? 'none';
  if (!loaded && (cfg.auth === 'kubernetes' || metricsAuth === 'kubernetes')) {
    // Started anyway, it would answer every request 401 or 503: refuse, and say why.
    const flag = cfg.auth === 'kubernetes' ? '--auth kubernetes' : '--metrics-auth kubernetes';
    throw new NsinspectError('UNAVAILABLE', `${flag} needs a Kubernetes configuration to verify tokens, and none was found (in-cluster service account, KUBECONFIG, ~/.kube/config)`, {
      hint: 'run it in the cluster with its service account, pass --kubeconfig, or use --auth none --metrics-auth none on loopback',
    });
  }
  let pods: PodCache | null = null;
  let reviewer: AccessReviewer | null = null;
  let podSecurity: ((namespace: string) => Promise<PodSecurity>) | undefined;
  if (loaded) {
    if (!cfg.nodeName) throw new NsinspectError('INVALID', 'the node name is unknown', { hint: 'pass --node-name, or set NODE_NAME from the downward API (spec.nodeName)' });
    const { PodCache } = await import('../kube/pod-cache.js');
    const { KubeReviewer } = await import('../kube/reviewer.js');
    // One reviewer (one cache) for both listeners.
    if (cfg.auth === 'kubernetes' || metricsAuth === 'kubernetes') reviewer = new KubeReviewer(loaded.client, { audience: cfg.tokenAudience });
    // The cache logs through the app's pino logger, which exists only once the app is built.
    const { PodSecurityReader } = await import('../kube/pod-security.js');
    const pss = new PodSecurityReader(loaded.client);
    podSecurity = (ns) => pss.level(ns);
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
      ...(cfg.execCgroupDir !== undefined ? { cgroupDir: cfg.execCgroupDir } : {}),
    },
  );
  const inspector = new PodInspector(engine);
  const metrics = new Metrics({ pods, inspector, kubeUp: pods ? () => (pods as PodCache).up() : undefined, nodeCounts: () => counts, containerInodes: cfg.metricsContainerInodes, podLabels: cfg.metricsPodLabels === true || cfg.metricsContainerInodes, cacheMs: cfg.metricsCacheMs ?? METRICS_CACHE_MS, execActive: () => exec.activeSessions, execLimits: exec.limitValues() });
  exec.onSession = metrics.countExec;
  const app = await buildApp({ engine, inspector, pods, reviewer: cfg.auth === 'kubernetes' ? reviewer : null, nodeName: cfg.nodeName ?? '', onDecision: metrics.countDecision, exec, tokenAudience: cfg.tokenAudience, podSecurity }, { logger });
  podLog = app.log.child({ component: 'pod-watch' });
  auditLog = app.log.child({ component: 'audit' });
  app.log.info({ exec: exec.containment.info }, 'exec sessions: each in its own cgroup, killed as a unit by the method named');
  app.log.info(
    { kubeconfig: loaded?.source ?? null, node: cfg.nodeName ?? null, auth: cfg.auth, metricsAuth, tokenAudience: cfg.tokenAudience ?? null },
    loaded ? 'watching the pods of this node' : 'no Kubernetes config: pod endpoints are off, node-local endpoints only',
  );

  const metricsApp = await buildMetricsApp({
    render: () => metrics.render(),
    readiness: () => app.inject({ method: 'GET', url: '/readyz' }),
    reviewer: metricsAuth === 'kubernetes' ? reviewer : null,
    logger: app.log.child({ component: 'metrics' }),
    onDecision: metrics.countDecision,
  });

  let scanning = false;
  const scanner = new NodeScanner(cfg.nodeFullScanIntervalMs ?? NODE_FULL_SCAN_MS, proc);
  const scan = (): void => {
    if (scanning) return;
    scanning = true;
    scanner.scan()
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
