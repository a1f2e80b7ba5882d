// "Did you mean": picks the name closest to a typo among the candidates an error carries.

/**
 * Levenshtein distance, small strings only (container and pod names). Rows have b.length + 1
 * entries and j runs 1..b.length, i 1..a.length: every index below is in range.
 */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The candidate within a third of the typed length (at least 2 edits) of it, or a candidate it is a prefix of. */
export function closest(typed: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(typed.length / 3)) + 1;
  for (const c of candidates) {
    const d = c.startsWith(typed) || typed.startsWith(c) ? 1 : distance(typed, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

const MAX_LISTED = 8;

/** "did you mean debugger? (candidates: app, debugger)" or, without a typed name or a close one, the candidates alone. */
export function didYouMean(candidates: readonly string[], typed?: string): string {
  const listed = candidates.slice(0, MAX_LISTED).join(', ') + (candidates.length > MAX_LISTED ? `, … (${candidates.length} in all)` : '');
  const near = typed === undefined ? undefined : closest(typed, candidates);
  return near ? `did you mean ${near}? (candidates: ${listed})` : `candidates: ${listed}`;
}
