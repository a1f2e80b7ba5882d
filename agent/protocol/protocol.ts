// The agent/CLI protocol in one place: error codes <-> HTTP statuses, the error body, exec limits, attach frame size, the version.
import type { ErrorCode } from '../model/errors.js';

/** The release; package.json holds the same (a unit test checks). */
export const VERSION = '0.1.0';

/** The HTTP status each error code is answered with. */
export const STATUS_OF_CODE: Readonly<Record<ErrorCode, number>> = {
  INVALID: 400,
  AMBIGUOUS: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  NOT_RUNNING: 409,
  CONFLICT: 409,
  TOO_MANY: 429,
  NOT_ROOT: 500,
  EXPECTATION_FAILED: 500,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

/** The code a status means when the body names none we know (an HTTP-layer code, a proxy's answer). */
const CODE_OF_STATUS: Readonly<Record<number, ErrorCode>> = { 400: 'INVALID', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'NOT_RUNNING', 429: 'TOO_MANY', 503: 'UNAVAILABLE' };

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(STATUS_OF_CODE, code);
}

/** The status for a code; codes only the HTTP layer has (BAD_REQUEST, TIMEOUT…) are not in the table: 500. */
export function statusOf(code: string): number {
  return isErrorCode(code) ? STATUS_OF_CODE[code] : 500;
}

/**
 * The code of an error answer: the body's own code when it is ours and fits the status (so AMBIGUOUS
 * stays AMBIGUOUS, not the 400 it shares with INVALID), else the code the status means, else INTERNAL.
 */
export function codeOf(status: number, bodyCode?: unknown): ErrorCode {
  if (isErrorCode(bodyCode) && STATUS_OF_CODE[bodyCode] === status) return bodyCode;
  return CODE_OF_STATUS[status] ?? 'INTERNAL';
}

/** The body of every error answer, HTTP and attach handshake alike. */
export interface ErrorJSON {
  error: { code: string; message: string; hint?: string; details?: Record<string, unknown> };
}

/** What POST …/exec accepts and the agent enforces; the CLI checks and explains the same numbers. */
export const EXEC_LIMITS = {
  /** Used when the request names no timeoutSeconds. */
  defaultTimeoutSeconds: 30,
  maxTimeoutSeconds: 600,
  /** stdout and stderr are each cut at this many bytes (truncated: true). */
  maxOutputBytes: 1024 * 1024,
  /** The request's stdin, in characters. */
  maxStdinChars: 1024 * 1024,
  /** How much longer than the command's timeout the CLI waits for the answer (the kill and the reply). */
  answerGraceMs: 10_000,
} as const;

/** The attach WebSocket's limits live with its framing; both ends import them from here. */
export { ATTACH_MAX_MESSAGE_BYTES } from './frames.js';
