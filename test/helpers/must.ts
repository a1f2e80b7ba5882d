// Narrowing for tests: the value a test goes on with, or a failure that names what was missing.

/**
 * `v` when it is there; otherwise throws, so the test fails saying what it expected. Where `!` would
 * let an absent value through to a later TypeError, this fails at the line that assumed it.
 */
export function must<T>(v: T | null | undefined, what: string): T {
  if (v === undefined || v === null) throw new Error(`expected ${what}, got ${String(v)}`);
  return v;
}
