// The attach WebSocket's framing: binary frames whose first byte names the channel. Shared by agent and CLI.

/**
 * Every frame is binary: one channel byte, then the payload. Like Kubernetes' channel.k8s.io, with a
 * JSON status at the end instead of a Status object.
 *
 * | byte | direction | payload |
 * | 0 stdin  | client → agent | raw bytes for the process's stdin (the terminal's input with a tty) |
 * | 1 stdout | agent → client | raw bytes (with a tty, stdout and stderr both arrive here) |
 * | 2 stderr | agent → client | raw bytes, only without a tty |
 * | 3 status | agent → client | JSON {"exitCode":n|null,"signal"?:n,"reason":…,"message"?} — the last frame |
 * | 4 resize | client → agent | JSON {"cols":n,"rows":n} |
 * | 255 close| client → agent | one byte 0: stdin is finished (EOF); with a tty, sends ^D |
 */
export const CH = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4, close: 255 } as const;

/** Why a session ended. */
export type EndReason = 'exit' | 'disconnect' | 'idle' | 'timeout' | 'shutdown' | 'error';

export interface StatusFrame {
  /** The process's exit code; 128+n when a signal ended it; null when it never started. */
  exitCode: number | null;
  signal?: number;
  reason: EndReason;
  message?: string;
}

export interface Resize {
  cols: number;
  rows: number;
}

/** The WebSocket subprotocol the client offers; the agent does not check it (yet), so it names the framing, not a gate. */
export const ATTACH_PROTOCOL = 'v1.attach.nsinspect.dev';

/**
 * The largest message either end accepts (its maxPayload), channel byte included: one value for
 * both, so each end cuts what it sends into pieces that fit (see frames()).
 */
export const ATTACH_MAX_MESSAGE_BYTES = 64 * 1024;

/** One payload as messages that each fit ATTACH_MAX_MESSAGE_BYTES (a pipe read can be 64 KiB, one byte too many). */
export function frames(channel: number, payload: Buffer | string): Buffer[] {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const max = ATTACH_MAX_MESSAGE_BYTES - 1;
  if (body.length <= max) return [frame(channel, body)];
  const out: Buffer[] = [];
  for (let i = 0; i < body.length; i += max) out.push(frame(channel, body.subarray(i, i + max)));
  return out;
}

export function frame(channel: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const b = Buffer.allocUnsafe(body.length + 1);
  b[0] = channel;
  body.copy(b, 1);
  return b;
}

/** A resize payload, or undefined when it is not one: bounded whole numbers. */
export function parseResize(payload: Buffer): Resize | undefined {
  if (payload.length > 256) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { cols, rows } = v as Record<string, unknown>;
  const ok = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 1000;
  return ok(cols) && ok(rows) ? { cols, rows } : undefined;
}
