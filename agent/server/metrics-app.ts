// The metrics listener's app: /metrics (optionally behind TokenReview + SAR, as kube-rbac-proxy does it) and the open kubelet probes.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AccessReviewer, DecisionKind } from '../model/auth.js';
import { SERVER_LIMITS } from './api-app.js';
import { authenticator, logDenial } from './auth.js';
import { HttpError, registerErrorHandling } from './errors.js';
import { RouteTable } from './route-table.js';

export const METRICS_PATH = '/metrics';

export interface MetricsAppDeps {
  /** The Prometheus text format (cached by the caller). */
  render: () => Promise<string>;
  /** The API's own /readyz: kubelet probes reach the pod IP, and the API listens on loopback. */
  readiness: () => Promise<{ statusCode: number; body: string }>;
  /** Null (--metrics-auth none): /metrics is open to whoever reaches the port. */
  reviewer: AccessReviewer | null;
  /** Where 5xx causes and failed reviews are logged; none: not logged. */
  logger?: FastifyBaseLogger;
  /** Counts each auth decision, as the API's do (nsinspect_auth_decisions_total). */
  onDecision?: (d: DecisionKind) => void;
}

export async function buildMetricsApp(deps: MetricsAppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...SERVER_LIMITS,
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    // Malformed URLs (bad %-escapes) get the API's error shape here too.
    frameworkErrors: (err, _req, reply) => {
      void (reply as FastifyReply).code(400).send({ error: { code: 'INVALID', message: err.message } });
    },
  });
  registerErrorHandling(app);
  const table = new RouteTable(app);

  const onRequest = deps.reviewer ? [metricsAuth(deps.reviewer, deps.onDecision ?? (() => undefined))] : [];
  app.get(METRICS_PATH, { onRequest }, async (_req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(await deps.render()));
  // Probes carry no token: these two stay open, and say nothing about pods.
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const r = await deps.readiness();
    return reply.code(r.statusCode).type('application/json; charset=utf-8').send(r.body);
  });
  table.answerOtherMethods(app);
  return app;
}

/**
 * kube-rbac-proxy's check: a TokenReview for the caller (the API's authenticator: its cache, its
 * per-address limit on failures, its counts and its rate-limited denial log), then `get` on the
 * nonResourceURL /metrics.
 */
function metricsAuth(reviewer: AccessReviewer, count: (d: DecisionKind) => void): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const authenticate = authenticator(reviewer, count);
  return async (req, reply) => {
    await authenticate(req, reply);
    const user = req.user;
    if (!user) throw new HttpError(401, 'UNAUTHENTICATED', 'a bearer token is required: send Authorization: Bearer <token>');
    let allowed: boolean;
    try {
      allowed = (await reviewer.authorizeNonResource(user, { verb: 'get', path: METRICS_PATH })).allowed;
    } catch (err) {
      count('error');
      req.log.warn({ err }, 'SubjectAccessReview failed');
      throw new HttpError(503, 'UNAVAILABLE', 'cannot check permissions: the API server is unreachable');
    }
    count(allowed ? 'allowed' : 'denied');
    if (!allowed) {
      logDenial(req, 403, 'permission denied', { verb: 'get', nonResourceURL: METRICS_PATH });
      throw new HttpError(403, 'FORBIDDEN', `user "${user.username}" cannot get the nonResourceURL ${METRICS_PATH}: bind a ClusterRole with nonResourceURLs ["${METRICS_PATH}"], verbs ["get"] (RBAC)`);
    }
  };
}
