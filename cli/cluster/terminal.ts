// Bridges the user's terminal to an attach session: raw mode, keystrokes out, resizes, restored on exit.
import type { StatusFrame } from '../../agent/protocol/frames.js';
import type { AttachConnection } from './attach-client.js';

/**
 * Runs until the session ends. With a terminal on stdin, it is put in raw mode, so Ctrl-C, Ctrl-Z
 * and Ctrl-\ travel as bytes to the remote pty (whose line discipline turns them into signals for
 * the remote process), not as signals to us. Window resizes follow. The terminal is restored
 * however the session ends.
 */
export async function bridgeTerminal(conn: AttachConnection, stdin: NodeJS.ReadStream = process.stdin, stdout: NodeJS.WriteStream = process.stdout): Promise<StatusFrame> {
  const raw = stdin.isTTY === true;
  const restore = (): void => {
    if (raw) stdin.setRawMode(false);
  };
  const ignore = (): void => undefined;
  if (raw) stdin.setRawMode(true);
  process.on('exit', restore);
  // Without a terminal (piped input) a Ctrl-C still reaches us: hang up, the agent cleans up.
  const hangUp = (): void => conn.close();
  process.on('SIGINT', raw ? ignore : hangUp);
  process.on('SIGTERM', hangUp);
  process.on('SIGHUP', hangUp);
  const onData = (b: Buffer): void => conn.write(b);
  const onEnd = (): void => conn.closeStdin();
  const onResize = (): void => {
    if (stdout.columns && stdout.rows) conn.resize(stdout.columns, stdout.rows);
  };
  stdin.on('data', onData);
  stdin.on('end', onEnd);
  stdout.on('resize', onResize);
  stdin.resume();
  try {
    return await conn.done;
  } finally {
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    stdout.off('resize', onResize);
    stdin.pause();
    process.off('SIGINT', raw ? ignore : hangUp);
    process.off('SIGTERM', hangUp);
    process.off('SIGHUP', hangUp);
    process.off('exit', restore);
    restore();
  }
}
