// Builds the agent's API as a fastify app: error mapping, health, and the authorized /v1 subtree.
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import type { Engine } from '../inspect/engine.js';
import type { PodDirectory } from '../model/pod.js';
import type { AccessReviewer, DecisionKind } from '../model/auth.js';
import type { PodSecurity } from '../model/access.js';
import type { PodInspector } from '../inspect/pod-inspector.js';
import { boundRequestTime, clientErrorHandler, registerErrorHandling } from './errors.js';
import { registerAuth } from './auth.js';
import { nodeRoutes } from './routes/node.js';
import { podRequirer, podRoutes } from './routes/pods.js';
import { execRoutes } from './routes/exec.js';
import { attachRoutes } from './routes/attach.js';
import { RouteTable } from './route-table.js';
import { indexRoutes } from './routes/index.js';
import websocket from '@fastify/websocket';
import type { ExecService } from '../exec/service.js';
import { ATTACH_MAX_MESSAGE_BYTES } from '../protocol/protocol.js';

export interface AppDeps {
  engine: Engine;
  /** The one pod inspector of the agent: its snapshots are shared with the metrics. */
  inspector: PodInspector;
  /** Null when the agent runs without Kubernetes: pod endpoints answer 503. */
  pods: PodDirectory | null;
  /** Null for --auth none. */
  reviewer: AccessReviewer | null;
  nodeName: string;
  onDecision?: (d: DecisionKind) => void;
  /** Exec endpoints are served only when given. */
  exec?: ExecService;
  /** A pod namespace's Pod Security level, for access fixes; absent without Kubernetes. Never rejects. */
  podSecurity?: (namespace: string) => Promise<PodSecurity>;
  /** --token-audience, for the hint of a 401. */
  tokenAudience?: string;
}

/** Limits that keep a slow or hostile client from holding the agent. */
export const SERVER_LIMITS: FastifyServerOptions = {
  bodyLimit: 1024 * 1024,
  connectionTimeout: 60_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  routerOptions: { maxParamLength: 300 },
  return503OnClosing: true,
  // Malformed requests, oversized headers and header timeouts, answered in the API's error shape.
  clientErrorHandler,
  // Two log lines per request cost more CPU than a diff (the bench's profile): errors and the
  // exec audit lines are logged, ordinary requests are not. LOG_REQUESTS=1 turns them back on.
  logController: new LogController({ disableRequestLogging: process.env.LOG_REQUESTS !== '1' }),
};

export async function buildApp(deps: AppDeps, opts: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...SERVER_LIMITS,
    // No coercion ("ps -ef" must not become ["ps -ef"]) and no silent stripping of unknown fields
    // ({"shell":true} is an error, not ignored).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
    // Malformed URLs (bad %-escapes) never reach the error handler: answer them in our shape too.
    frameworkErrors: (err, _req, reply) => {
      void (reply as FastifyReply).code(400).send({ error: { code: 'INVALID', message: err.message } });
    },
    ...opts,
  });
  registerErrorHandling(app);
  boundRequestTime(app, SERVER_LIMITS.requestTimeout as number);
  const table = new RouteTable(app);
  // Bodies are JSON only: fastify's default text/plain parser would turn a body into a string that
  // fails validation with a puzzling "body must be object". Other media types get 415.
  app.removeContentTypeParser('text/plain');

  app.get('/healthz', { config: { summary: 'Liveness: the agent answers.' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { summary: 'Readiness: 503 until the first pod sync with the API server.' } }, async (_req, reply) => {
    if (deps.pods === null) return { status: 'ready', pods: 'off' };
    if (deps.pods.synced()) return { status: 'ready', pods: 'synced' };
    return reply.status(503).send({ error: { code: 'UNAVAILABLE', message: 'waiting for the first pod sync with the API server' } });
  });

  if (deps.exec) {
    await app.register(websocket, {
      // Frames are keystrokes and resizes: small. Nothing else is accepted from a client.
      options: { maxPayload: ATTACH_MAX_MESSAGE_BYTES },
      // An unclean disconnect is an ordinary end of a session, not an error to log loudly.
      errorHandler: (err, socket, req) => {
        req.log.debug({ err }, 'websocket error');
        socket.terminate();
      },
    });
  }
  await app.register(
    async (v1) => {
      registerAuth(v1, deps.reviewer, deps.onDecision ?? (() => undefined), { audience: deps.tokenAudience });
      await indexRoutes(v1, { table, authorization: deps.reviewer ? 'kubernetes' : 'none' });
      await nodeRoutes(v1, deps);
      await podRoutes(v1, deps);
      await (await import('./routes/access.js')).accessRoutes(v1, deps);
      if (deps.exec) {
        const execDeps = { ...deps, exec: deps.exec, requirePod: podRequirer(deps.pods, deps.nodeName) };
        await execRoutes(v1, execDeps);
        await attachRoutes(v1, execDeps);
      }
    },
    { prefix: '/v1' },
  );
  table.answerOtherMethods(app);
  return app;
}
