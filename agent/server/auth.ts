// The one auth hook pair for the /v1 subtree: TokenReview on request, SubjectAccessReview per route.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessReviewer, DecisionKind, Requirement, ResourceAttributes, UserInfo } from '../model/auth.js';
import { describeAccess } from '../model/auth.js';
import { HttpError, pathOf } from './errors.js';
import { NsinspectError } from '../model/errors.js';
import { FAILURE_LIMITS, FailureLimiter, LogLimiter, type FailureLimits } from './authn-limit.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission a route needs, computed from its validated params. Required under /v1. */
    access?: (req: FastifyRequest) => ResourceAttributes | Requirement[];
  }
  interface FastifyRequest {
    user?: UserInfo;
  }
}



const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

/** Bearer token from the Authorization header, or undefined. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer +([!-~]{1,8192})$/i.exec(h.trim());
  return m?.[1];
}

/** Denial-log limiters by the app registerAuth was given (req.server in its routes and hooks). */
const denialLogs = new WeakMap<object, LogLimiter>();
const fallbackLog = new LogLimiter();

/**
 * One log line for a 401, 403 or 429: the user (when known), the route, and what was checked;
 * never the token. Rate-limited (20 lines per 10 s per app), so a flood cannot fill the log; the
 * next line written says how many were dropped.
 */
export function logDenial(req: FastifyRequest, status: 401 | 403 | 429, why: string, checked?: unknown): void {
  const dropped = (denialLogs.get(req.server) ?? fallbackLog).admit();
  if (dropped === undefined) return;
  req.log.warn({
    component: 'auth', status, user: req.user?.username ?? null, method: req.method,
    route: req.routeOptions.url ?? null, path: pathOf(req.url), client: req.ip,
    ...(checked === undefined ? {} : { checked }), ...(dropped ? { droppedBefore: dropped } : {}),
  }, why);
}

export interface AuthnOptions {
  limits?: FailureLimits;
  /** The agent's --token-audience, named in the 401's hint. */
  audience?: string;
}

/**
 * The bearer-token check, as an onRequest hook for any app (the /v1 subtree; /metrics may reuse
 * it): sets req.user, or throws 401, 429 (too many failures, no TokenReview sent) or 503.
 */

export function authenticator(reviewer: AccessReviewer, count: (d: DecisionKind) => void, opts: AuthnOptions = {}): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const limiter = new FailureLimiter(opts.limits ?? FAILURE_LIMITS);
  const aud = opts.audience;
  const invalid = aud ? { hint: `this agent accepts only tokens minted for the audience "${aud}": pass one with --token (kubectl create token <service-account> --audience ${aud})` } : {};
  return async (req, reply) => {
    const token = bearerToken(req);
    if (!token) {
      count('unauthenticated');
      logDenial(req, 401, 'no bearer token');
      throw new HttpError(401, 'UNAUTHENTICATED', 'a bearer token is required: send Authorization: Bearer <token>');
    }
    // Only a token with no cached answer reaches the limiter: a bucket per client address, charged
    // before the TokenReview and refunded unless the token fails, so only failures cost.
    const addr = req.ip;
    const gate: { charged: boolean; retryAfter?: number } = { charged: false };
    const beforeReview = (): void => {
      gate.retryAfter = limiter.take(addr);
      if (gate.retryAfter !== undefined) throw new HttpError(429, 'TOO_MANY', 'rate limited');
      gate.charged = true;
    };
    let user: UserInfo | undefined;
    try {
      user = await reviewer.authenticate(token, { beforeReview });
    } catch (err) {
      if (gate.retryAfter !== undefined) {
        count('unauthenticated');
        logDenial(req, 429, 'too many failed authentications: no TokenReview sent');
        void reply.header('retry-after', String(gate.retryAfter));
        throw new HttpError(429, 'TOO_MANY', `too many failed authentications from this address: try again in ${gate.retryAfter} s`);
      }
      if (gate.charged) limiter.give(addr);
      count('error');
      req.log.warn({ err }, 'TokenReview failed');
      throw new HttpError(503, 'UNAVAILABLE', 'cannot verify the token: the API server is unreachable');
    }
    if (!user) {
      count('unauthenticated');
      logDenial(req, 401, 'the bearer token is invalid or expired');
      throw new NsinspectError('UNAUTHENTICATED', 'the bearer token is invalid or expired', invalid);
    }
    if (gate.charged) limiter.give(addr);
    req.user = user;
  };
}

/** With reviewer null (--auth none), every request passes as anonymous. */
export function registerAuth(app: FastifyInstance, reviewer: AccessReviewer | null, count: (d: DecisionKind) => void, opts: AuthnOptions = {}): void {
  denialLogs.set(app, new LogLimiter());
  const authenticate = reviewer ? authenticator(reviewer, count, opts) : undefined;
  app.addHook('onRequest', async (req, reply) => {
    if (!authenticate) {
      req.user = ANONYMOUS;
      return;
    }
    await authenticate(req, reply);
  });

  app.addHook('preHandler', async (req) => {
    if (!reviewer) return;
    // Discovery, as kube-apiserver's system:discovery role grants it to every authenticated user.
    if (req.routeOptions.config.authenticatedOnly) return;
    const access = req.routeOptions.config.access;
    if (!access) {
      // Fail closed: a route that forgot to declare its permission serves nobody.
      count('denied');
      logDenial(req, 403, 'this endpoint declares no permission');
      throw new HttpError(403, 'FORBIDDEN', 'this endpoint declares no permission');
    }
    const declared = access(req);
    const requirements: Requirement[] = Array.isArray(declared) ? declared : [{ attrs: declared }];
    // Set by the onRequest hook above for every request that got this far; anonymous only without a reviewer.
    const user = req.user ?? ANONYMOUS;
    // Every requirement must hold, checked in order: the 403 names the first one that does not.
    for (const { attrs, why, hint } of requirements) {
      let decision;
      try {
        decision = await reviewer.authorize(user, attrs);
      } catch (err) {
        count('error');
        req.log.warn({ err }, 'SubjectAccessReview failed');
        throw new HttpError(503, 'UNAVAILABLE', 'cannot check permissions: the API server is unreachable');
      }
      count(decision.allowed ? 'allowed' : 'denied');
      if (!decision.allowed) {
        logDenial(req, 403, 'permission denied', attrs);
        throw new HttpError(403, 'FORBIDDEN', `user "${user.username}" cannot ${describeAccess(attrs)}: ${why ?? 'ask for that permission (RBAC)'}`, hint);
      }
    }
  });
}
