// Maps every error to {"error":{"code","message"}} with the right status; 5xx messages stay in the log.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance } from 'fastify';
import { NsinspectError } from '../model/errors.js';
import { statusOf } from '../protocol/protocol.js';

/** An HTTP-layer error: the codes that only exist at this layer. */
/** A request's path for messages and logs: no query string (it may carry secrets), at most 200 characters. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return (q < 0 ? url : url.slice(0, q)).slice(0, 200);
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** The API's codes for fastify's own 4xx errors (its FST_ERR_* names are no contract of ours). */
const CLIENT_CODES: Record<number, string> = {
  400: 'INVALID',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'TIMEOUT',
  413: 'TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY',
};

/** Fastify's body-parsing messages, said the way the rest of the API says things. */
const FASTIFY_MESSAGES: Record<string, (contentType?: string) => string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () => 'the request body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: () => 'the request body is empty: send a JSON object',
  FST_ERR_CTP_BODY_TOO_LARGE: () => 'the request body is over 1 MiB',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (ct) => `the body's media type ${JSON.stringify((ct ?? '').slice(0, 100))} is not accepted: send Content-Type: application/json`,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => 'the request body does not match its Content-Length',
};

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | NsinspectError | HttpError, req, reply) => {
    let status: number;
    let code: string;
    let details: Record<string, unknown> | undefined;
    let hint: string | undefined;
    let message = err.message;
    if (err instanceof NsinspectError) {
      status = statusOf(err.code);
      code = err.code;
      details = err.details;
      hint = err.hint;
    } else if (err instanceof HttpError) {
      status = err.status;
      code = err.code;
      hint = err.hint;
    } else if ('validation' in err && err.validation) {
      status = 400;
      code = 'INVALID';
    } else {
      status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
      code = status < 500 ? (CLIENT_CODES[status] ?? 'BAD_REQUEST') : 'INTERNAL';
      if (status < 500) message = FASTIFY_MESSAGES[err.code]?.(req.headers['content-type']) ?? err.message;
    }
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.status(status).send({ error: { code, message: status === 503 ? err.message : 'internal error; see the agent log' } });
    }
    return reply.status(status).send({ error: { code, message, ...(hint ? { hint } : {}), ...(details ? { details } : {}) } });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${pathOf(req.url)}` } });
  });
}

/** A raw HTTP/1.1 answer in the API's error shape, for sockets fastify's reply no longer owns. */
function rawAnswer(status: number, code: string, message: string): string {
  const body = JSON.stringify({ error: { code, message } });
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Node's parser errors (malformed request, headers over 16 KiB, timeouts) in the API's shape, not fastify's. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'TIMEOUT', 'the request took too long to arrive']
    : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'HEADERS_TOO_LARGE', 'the request headers are over 16 KiB']
    : [400, 'INVALID', `malformed HTTP request (${err.code ?? 'parse error'})`];
  if (socket.writable) socket.end(rawAnswer(status, code, message));
  socket.destroySoon();
}

/**
 * Node's requestTimeout stops counting once a request's headers are in: a body dribbled a byte
 * a second would hold its connection (and a handler waiting on it) forever. Bound the whole request.
 */
export function boundRequestTime(app: FastifyInstance, ms: number): void {
  app.addHook('onRequest', (req, reply, done) => {
    const raw = req.raw;
    if (!raw.complete) {
      const timer = setTimeout(() => {
        if (raw.complete || raw.socket.destroyed) return;
        req.log.info('request body still incomplete at the request timeout: closing the connection');
        // app.inject's fake socket has neither end, destroySoon nor destroy.
        const sock = raw.socket as Partial<Pick<typeof raw.socket, 'end' | 'destroySoon' | 'destroy'>>;
        if (!reply.raw.headersSent && typeof sock.end === 'function') sock.end(rawAnswer(408, 'TIMEOUT', 'the request body took too long to arrive'));
        if (typeof sock.destroySoon === 'function') sock.destroySoon();
        else if (typeof sock.destroy === 'function') sock.destroy();
      }, ms);
      timer.unref();
      const clear = (): void => clearTimeout(timer);
      raw.once('end', clear);
      raw.once('close', clear);
      // Answered (a 4xx before the body, or an injected request that never "completes"): done.
      reply.raw.once('finish', clear);
      reply.raw.once('close', clear);
    }
    done();
  });
}
