// kubectl's global request flags: --request-timeout (a duration bounding each API and agent request) and --as/--as-group (impersonation headers on API requests).

/** What the flags change in every request; kept apart from the clients so both clients (api.ts, client-node.ts) apply them alike. */
export interface RequestOverrides {
  /** Milliseconds each request may take; 0 means no bound (kubectl's "0"); undefined keeps our defaults. */
  timeoutMs?: number;
  /** --as: the user to impersonate. */
  asUser?: string;
  /** --as-group, repeatable: the groups to impersonate (only with --as, as kubectl). */
  asGroups?: string[];
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(?:(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/**
 * kubectl's --request-timeout values (client-go's ParseTimeout): a whole number of seconds, or a Go
 * duration such as 500ms, 5s, 1m30s; "0" means no timeout. Returns milliseconds; throws the
 * message kubectl gives for anything else (negative durations included: they mean nothing here).
 */
export function parseRequestTimeout(text: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  if (DURATION.test(t)) {
    let ms = 0;
    for (const m of t.matchAll(PART)) ms += Number(m[1]) * (UNITS[m[2] ?? ''] ?? 0);
    // A positive duration below a millisecond still bounds the request: round it up, never to "none".
    return ms > 0 ? Math.max(1, Math.round(ms)) : 0;
  }
  throw new Error(`invalid timeout ${JSON.stringify(text)}: want whole seconds, or a number with a unit (e.g. 500ms, 5s, 2m, 1h); 0 means none`);
}

/** 5000 -> "5s", 90000 -> "1m30s", 1500 -> "1.5s": how the user would have typed it. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

/** A request that --request-timeout cut off: the callers word it as "no answer within …". */
export class RequestTimeout extends Error {
  constructor(readonly ms: number, what: string) {
    super(`no answer from ${what} within ${formatDuration(ms)} (--request-timeout)`);
    this.name = 'RequestTimeout';
  }
}

/**
 * The Impersonate-* headers kube-apiserver reads: one Impersonate-Group line per group, as
 * client-go sends them (a comma-joined value would name one group with a comma in it).
 */
export function impersonationHeaders(o: RequestOverrides): Record<string, string | string[]> {
  if (o.asUser === undefined) return {};
  return { 'Impersonate-User': o.asUser, ...(o.asGroups?.length ? { 'Impersonate-Group': o.asGroups } : {}) };
}
