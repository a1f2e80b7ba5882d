// Maps every error to {"error":{"code","message"}} with the right status; 5xx messages stay in the log.
import type { FastifyError, FastifyInstance } from 'fastify';
import { NsinspectError, type ErrorCode } from '../errors.js';

const STATUS: Record<ErrorCode, number> = {
  INVALID: 400,
  AMBIGUOUS: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  NOT_RUNNING: 409,
  TOO_MANY: 429,
  NOT_ROOT: 500,
  EXPECTATION_FAILED: 500,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

/** An HTTP-layer error: the codes that only exist at this layer. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function statusOf(code: string): number {
  return (STATUS as Record<string, number>)[code] ?? 500;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | NsinspectError | HttpError, req, reply) => {
    let status: number;
    let code: string;
    let details: Record<string, unknown> | undefined;
    let hint: string | undefined;
    if (err instanceof NsinspectError) {
      status = statusOf(err.code);
      code = err.code;
      details = err.details;
      hint = err.hint;
    } else if (err instanceof HttpError) {
      status = err.status;
      code = err.code;
    } else if ('validation' in err && err.validation) {
      status = 400;
      code = 'INVALID';
    } else {
      status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
      code = status < 500 ? (err.code ?? 'BAD_REQUEST') : 'INTERNAL';
    }
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      const message = status === 503 ? err.message : 'internal error; see the agent log';
      return reply.status(status).send({ error: { code, message } });
    }
    return reply.status(status).send({ error: { code, message: err.message, ...(hint ? { hint } : {}), ...(details ? { details } : {}) } });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0].slice(0, 200)}` } });
  });
}
