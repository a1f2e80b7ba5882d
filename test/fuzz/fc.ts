// Shared fast-check settings for the fuzz tests: a fixed seed (FC_SEED) and run count (FC_RUNS).
import fc from 'fast-check';

/** The seed every property uses: FC_SEED=<n> to reproduce or vary a run. */
export const SEED = Number.isInteger(Number(process.env.FC_SEED)) && process.env.FC_SEED ? Number(process.env.FC_SEED) : 20240607;
const RUNS = Number(process.env.FC_RUNS) > 0 ? Number(process.env.FC_RUNS) : 400;

/** fc.assert parameters: the fixed seed and numRuns scaled by weight (cheap properties run more). */
export function params(weight = 1): fc.Parameters<unknown> {
  return { seed: SEED, numRuns: Math.max(10, Math.round(RUNS * weight)) };
}

/** Strings from a custom alphabet. */
export const chars = (alphabet: string, minLength = 0, maxLength = 20): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...alphabet.split('')), minLength, maxLength });

export const HEX = '0123456789abcdef';
export const hex = (n: number): fc.Arbitrary<string> => chars(HEX, n, n);

/** Any string, hostile characters over-represented: parens, colons, slashes, newlines, NULs, unicode. */
export const hostile = (maxLength = 60): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ unit: 'binary', maxLength }),
    chars('()[]:/ \n\t\\-_.,=0123456789abcdefxpodkub\u0000\u00e9', 0, maxLength),
  );

/** Asserts a property; a counterexample (shrunk, with the seed to replay) becomes one failed assertion. */
export function check(t: { pass(m: string): void; fail(m: string): void }, name: string, prop: fc.IProperty<unknown> | fc.IAsyncProperty<unknown>, weight = 1): void | Promise<void> {
  const text = (e: unknown): string => (e instanceof Error ? e.message + (e.cause ? ` -- cause: ${text(e.cause)}` : '') : String(e));
  const fail = (err: unknown): void => t.fail(`${name}: ${text(err)}`);
  if (prop.isAsync()) return fc.assert(prop as fc.IAsyncProperty<unknown>, params(weight)).then(() => t.pass(name), fail);
  try {
    fc.assert(prop as fc.IProperty<unknown>, params(weight));
    t.pass(name);
  } catch (err) {
    fail(err);
  }
}
