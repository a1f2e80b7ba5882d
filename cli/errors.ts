// Maps errors to one line on stderr and an exit code: 1 for errors, 2 for usage errors.
import { NsinspectError } from '../agent/model/errors.js';
import { visible } from './render/table.js';
import { didYouMean } from './suggest.js';

export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
/** --expect-shared was not met: scripts and CI can tell this from a failure to inspect. */
export const EXIT_EXPECTATION = 3;

export function exitCodeForError(err: unknown): number {
  if (!(err instanceof NsinspectError)) return EXIT_ERROR;
  if (err.code === 'INVALID') return EXIT_USAGE;
  if (err.code === 'EXPECTATION_FAILED') return EXIT_EXPECTATION;
  return EXIT_ERROR;
}

/** "nsinspect: what was wrong. Try: what to do next" on one line, control characters escaped (messages may quote input). */
export function formatError(err: unknown): string {
  if (err instanceof NsinspectError) {
    const hint = [err.hint, candidatesOf(err)].filter(Boolean).join('; ');
    return visible(`nsinspect: ${err.message}${hint ? `. Try: ${hint}` : ''}`.replaceAll('\n', ' '));
  }
  const msg = err instanceof Error ? err.message : String(err);
  return visible(`nsinspect: internal error: ${msg}. Please report it with the command you ran`.replaceAll('\n', ' '));
}

/**
 * The names an error offers instead (the agent's details.candidates, e.g. a pod's containers or
 * the IDs an ambiguous prefix matches), unless the hint or message already names them.
 */
function candidatesOf(err: NsinspectError): string | undefined {
  const c = err.details?.candidates;
  if (!Array.isArray(c) || c.length === 0 || !c.every((x) => typeof x === 'string')) return undefined;
  if (err.hint?.includes('did you mean') || c.every((x) => err.message.includes(x))) return undefined;
  const typed = typeof err.details?.typed === 'string' ? err.details.typed : undefined;
  return didYouMean(c, typed);
}
