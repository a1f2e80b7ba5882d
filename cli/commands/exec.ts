// `nsinspect exec`: run a command in a container's namespaces, node-locally or through the agent.
import { NsinspectError } from '../../agent/model/errors.js';
import { checkCommand, parseSelection } from '../../agent/exec/argv.js';
import type { ExecResponse } from '../../agent/exec/service.js';
import { EXEC_LIMITS } from '../../agent/protocol/protocol.js';
import type { GlobalOptions } from '../options.js';
import { isLocalRef, label, podName } from '../refs.js';
import type { ClusterFlags } from './cluster.js';
import type { AgentClient } from '../cluster/agent-client.js';

export interface ExecFlags {
  container?: string;
  ns?: string;
  stdin?: boolean;
  tty?: boolean;
  timeout?: string;
}

/** Resolves with the exit code the CLI should exit with: the remote command's own. */
export async function exec(ref: string, command: string[], flags: ExecFlags, opts: GlobalOptions & ClusterFlags): Promise<number> {
  const argv = checkCommand(command);
  const selection = parseSelection(flags.ns ?? 'tools');
  const timeout = parseTimeout(flags.timeout);
  // As kubectl: a terminal is asked for, stdin is not one: say so and go on without.
  if (flags.tty && !process.stdin.isTTY) {
    process.stderr.write('Unable to use a TTY - input is not a terminal or the right kind of file\n');
    flags = { ...flags, tty: false };
  }
  if (isLocalRef(ref)) {
    // The agent enforces a pod exec's timeout; a node-local exec is a child of this terminal, with no one to enforce it.
    if (timeout !== undefined) {
      throw new NsinspectError('INVALID', '--timeout applies to pod refs, where the agent enforces it; a node-local exec runs until its command ends', {
        hint: `wrap the command instead: nsinspect exec ${ref} -- timeout ${timeout} ${argv[0]} …`,
      });
    }
    return execLocal(ref, argv, selection, flags.tty === true);
  }
  const { Cluster } = await import('../cluster/session.js');
  const name = podName(ref);
  const cluster = await Cluster.load(opts);
  const pod = await cluster.readPod(name);
  const { defaultContainer, requireContainer } = await import('./cluster.js');
  const container = flags.container === undefined ? defaultContainer(pod) : label('container name', flags.container);
  if (flags.container !== undefined) requireContainer(pod, container as string);
  if (!container) throw new NsinspectError('NOT_FOUND', `pod ${cluster.namespace}/${name} has no containers`);
  const path = `/v1/pods/${encodeURIComponent(cluster.namespace)}/${encodeURIComponent(name)}/containers/${encodeURIComponent(container)}`;
  if (flags.tty) return interactive(await cluster.agentForPod(pod), `${path}/attach`, argv, flags.ns ?? 'tools');
  const stdin = flags.stdin ? await readAll(process.stdin) : undefined;
  const agent = await cluster.agentForPod(pod);
  try {
    const r = await agent.post<ExecResponse>(`${path}/exec`, { command: argv, namespaces: selection, ...(timeout ? { timeoutSeconds: timeout } : {}), ...(stdin !== undefined ? { stdin } : {}) }, (timeout ?? EXEC_LIMITS.defaultTimeoutSeconds) * 1000 + EXEC_LIMITS.answerGraceMs);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    if (r.truncated) process.stderr.write(`nsinspect: output was truncated at the agent's limit (${EXEC_LIMITS.maxOutputBytes / 1024 / 1024} MiB per stream)\n`);
    const limit = timeout ?? EXEC_LIMITS.defaultTimeoutSeconds;
    if (timedOut(r, limit)) process.stderr.write(`nsinspect: the command was killed after its ${limit} s timeout${timeout === undefined ? ` (the default; raise it with --timeout, at most ${EXEC_LIMITS.maxTimeoutSeconds})` : ''}\n`);
    return r.exitCode;
  } finally {
    await agent.close();
  }
}

/** --timeout: whole seconds from 1 to EXEC_LIMITS.maxTimeoutSeconds, as the agent accepts; anything else is a usage error. */
export function parseTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > EXEC_LIMITS.maxTimeoutSeconds) {
    throw new NsinspectError('INVALID', `invalid --timeout ${JSON.stringify(text)}: want whole seconds from 1 to ${EXEC_LIMITS.maxTimeoutSeconds}`, { hint: 'e.g. --timeout 60' });
  }
  return n;
}

/**
 * Whether the agent's timeout ended the command: its own word (timedOut) when it sends one,
 * else SIGKILL's 137 at or past the limit (the agent kills a timed-out command with SIGKILL).
 */
function timedOut(r: ExecResponse & { timedOut?: boolean }, limitSeconds: number): boolean {
  if (typeof r.timedOut === 'boolean') return r.timedOut;
  return r.exitCode === 137 && r.durationMs >= limitSeconds * 1000 - 100;
}

/** -t through the agent: a pty session over a WebSocket; resolves with the remote exit code. */
async function interactive(agent: AgentClient, path: string, argv: string[], namespaces: string): Promise<number> {
  try {
    const { bridgeTerminal } = await import('../cluster/terminal.js');
    const conn = await agent.attach(path, { command: argv, namespaces, tty: true, cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 }, {
      stdout: (b) => process.stdout.write(b),
      stderr: (b) => process.stderr.write(b),
    });
    const st = await bridgeTerminal(conn);
    if (st.reason === 'exit' && st.exitCode !== null) return st.exitCode;
    throw new NsinspectError(st.reason === 'shutdown' || st.reason === 'disconnect' ? 'UNAVAILABLE' : 'INTERNAL', `the session on node ${agent.node} ended: ${st.message ?? st.reason}`, {
      hint: st.reason === 'idle' ? 'sessions with no input or output end after the agent\'s --exec-idle-timeout' : 'run the command again',
    });
  } finally {
    await agent.close();
  }
}

async function execLocal(ref: string, argv: string[], selection: ReturnType<typeof parseSelection>, tty: boolean): Promise<number> {
  const { parseLocalRef } = await import('../../agent/protocol/refs.js');
  const { Engine } = await import('../../agent/inspect/engine.js');
  const local = await import('../../agent/exec/local.js');
  const r = parseLocalRef(ref);
  if (process.geteuid?.() !== 0) throw new NsinspectError('NOT_ROOT', 'nsinspect exec needs root to enter namespaces', { hint: 'run it with sudo' });
  return local.execLocal(new Engine().subject(r), selection, argv, tty);
}

async function readAll(stream: NodeJS.ReadableStream, max = EXEC_LIMITS.maxStdinChars): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stream) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c as string);
    n += b.length;
    if (n > max) throw new NsinspectError('INVALID', `stdin is over ${max} bytes`, { hint: 'copy large files through /proc/<pid>/root on the node instead' });
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
