// Runs `nsinspect agent` as a real process on a fixed port, for fault tests that kill, starve or signal it.
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { execa, type Options, type ResultPromise } from 'execa';

/** execa's types name file descriptors up to 9 only; any open fd works (an openSync'd log file). */
type StdoutOption = Options['stdout'];
import { waitFor } from './lab.js';

export const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;

/** A TCP port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

export interface AgentProcess {
  child: ResultPromise;
  api: string;
  pid: number;
}

/**
 * Starts the agent with `args`, its stdout on `stdout` (a file descriptor, 'pipe' or 'ignore'),
 * and resolves once /healthz answers. SIGKILLed at teardown if still running.
 */
export async function startAgentProcess(t: Test, args: string[], opts: { stdout?: number | 'pipe' | 'ignore'; env?: Record<string, string> } = {}): Promise<AgentProcess> {
  const port = await freePort();
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: mkdtempSync(join(tmpdir(), 'nsi-home-')), NSINSPECT_EXEC_CGROUP_PARENT: '/', ...opts.env };
  const child = execa(process.execPath, [CLI, 'agent', '--listen', `127.0.0.1:${port}`, '--metrics-listen', 'off', ...args], {
    env, extendEnv: false, reject: false, stdin: 'ignore', stdout: (opts.stdout ?? 'ignore') as StdoutOption, stderr: 'pipe', buffer: { stdout: false, stderr: true },
  });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  const api = `http://127.0.0.1:${port}`;
  await waitFor('the agent to answer /healthz', async () => {
    if (child.exitCode !== null) throw new Error(`the agent exited ${child.exitCode}`);
    try {
      return (await fetch(`${api}/healthz`, { signal: AbortSignal.timeout(1000) })).ok ? true : undefined;
    } catch {
      return undefined;
    }
  }, 45_000);
  return { child, api, pid: child.pid as number };
}

/** Sends SIGTERM; resolves with the exit code and how long the exit took. */
export async function terminate(a: AgentProcess): Promise<{ exitCode: number | undefined; signal: string | undefined; ms: number; stderr: string }> {
  const t0 = performance.now();
  a.child.kill('SIGTERM');
  const r = await a.child;
  return { exitCode: r.exitCode, signal: r.signal, ms: performance.now() - t0, stderr: String(r.stderr ?? '') };
}
