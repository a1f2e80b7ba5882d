// Maps errors to one line on stderr and an exit code: 1 for errors, 2 for usage errors.
import { NsinspectError } from '../agent/errors.js';
import { visible } from './render/table.js';

export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
/** --expect-shared was not met: scripts and CI can tell this from a failure to inspect. */
export const EXIT_EXPECTATION = 3;

export function exitCodeOf(err: unknown): number {
  if (!(err instanceof NsinspectError)) return EXIT_ERROR;
  if (err.code === 'INVALID') return EXIT_USAGE;
  if (err.code === 'EXPECTATION_FAILED') return EXIT_EXPECTATION;
  return EXIT_ERROR;
}

/** "nsinspect: what was wrong. Try: what to do next" on one line, control characters escaped (messages may quote input). */
export function formatError(err: unknown): string {
  if (err instanceof NsinspectError) {
    return visible(`nsinspect: ${err.message}${err.hint ? `. Try: ${err.hint}` : ''}`.replaceAll('\n', ' '));
  }
  const msg = err instanceof Error ? err.message : String(err);
  return visible(`nsinspect: internal error: ${msg}. Please report it with the command you ran`.replaceAll('\n', ' '));
}
