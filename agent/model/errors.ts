// The error class every layer throws: a code for callers, a hint for users, the original as cause.

export type ErrorCode =
  | 'NOT_FOUND'
  | 'AMBIGUOUS'
  | 'INVALID'
  | 'NOT_ROOT'
  | 'NOT_RUNNING'
  /** The API and the node disagree about what a name points at (a container that is not the pod's). */
  | 'CONFLICT'
  | 'UNAVAILABLE'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'EXPECTATION_FAILED'
  | 'TOO_MANY'
  | 'INTERNAL';

export class NsinspectError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  /** Extra machine-readable detail, e.g. the candidates of an ambiguous prefix. */
  readonly details?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { hint?: string; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'NsinspectError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }
}

/** Errno of a Node.js system error, or undefined. */
export function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

/** Wraps an unexpected error with what was being done: "reading cgroup of pid 42: …". */
export function wrap(doing: string, err: unknown): NsinspectError {
  if (err instanceof NsinspectError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new NsinspectError('INTERNAL', `${doing}: ${msg}`, { cause: err });
}
