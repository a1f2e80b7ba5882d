// The one auth hook pair for the /v1 subtree: TokenReview on request, SubjectAccessReview per route.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessReviewer, ResourceAttributes, UserInfo } from '../model/auth.js';
import { describeAccess } from '../model/auth.js';
import { HttpError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission a route needs, computed from its validated params. Required under /v1. */
    access?: (req: FastifyRequest) => ResourceAttributes;
  }
  interface FastifyRequest {
    user?: UserInfo;
  }
}

export type DecisionKind = 'allowed' | 'denied' | 'unauthenticated' | 'error';

const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

/** Bearer token from the Authorization header, or undefined. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer +([!-~]{1,8192})$/i.exec(h.trim());
  return m?.[1];
}

/** With reviewer null (--auth none), every request passes as anonymous. */
export function registerAuth(app: FastifyInstance, reviewer: AccessReviewer | null, count: (d: DecisionKind) => void): void {
  app.addHook('onRequest', async (req) => {
    if (!reviewer) {
      req.user = ANONYMOUS;
      return;
    }
    const token = bearerToken(req);
    if (!token) {
      count('unauthenticated');
      throw new HttpError(401, 'UNAUTHENTICATED', 'a bearer token is required: send Authorization: Bearer <token>');
    }
    let user: UserInfo | undefined;
    try {
      user = await reviewer.authenticate(token);
    } catch (err) {
      count('error');
      req.log.warn({ err }, 'TokenReview failed');
      throw new HttpError(503, 'UNAVAILABLE', 'cannot verify the token: the API server is unreachable');
    }
    if (!user) {
      count('unauthenticated');
      throw new HttpError(401, 'UNAUTHENTICATED', 'the bearer token is invalid or expired');
    }
    req.user = user;
  });

  app.addHook('preHandler', async (req) => {
    if (!reviewer) return;
    const access = req.routeOptions.config.access;
    if (!access) {
      // Fail closed: a route that forgot to declare its permission serves nobody.
      count('denied');
      throw new HttpError(403, 'FORBIDDEN', 'this endpoint declares no permission');
    }
    const attrs = access(req);
    const user = req.user as UserInfo;
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
      throw new HttpError(403, 'FORBIDDEN', `user "${user.username}" cannot ${describeAccess(attrs)}: ask for that permission (RBAC)`);
    }
  });
}
