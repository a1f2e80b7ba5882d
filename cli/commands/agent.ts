// `nsinspect agent`: starts the agent and shuts it down cleanly on SIGTERM or SIGINT.
import { NsinspectError } from '../../agent/model/errors.js';
import { runAgent } from '../../agent/server/run.js';
import { exitCodeForError, formatError } from '../errors.js';

export interface AgentFlags {
  listen: string;
  metricsListen: string;
  nodeName?: string;
  kubeconfig?: string;
  auth: 'kubernetes' | 'none';
  metricsAuth: 'kubernetes' | 'none';
  metricsContainerInodes: boolean | string;
  metricsPodLabels: boolean | string;
  metricsCache: string;
  nodeScanInterval: string;
  nodeFullScanInterval?: string;
  maxExecSessions: string;
  execIdleTimeout: string;
  tokenAudience?: string;
  maxExecSessionsPerUser?: string;
  execMaxLifetime?: string;
  execCgroupParent?: string;
  execCgroupDir?: string;
}

export async function agent(flags: AgentFlags): Promise<void> {
  const interval = Number(flags.nodeScanInterval);
  if (!Number.isInteger(interval) || interval < 1 || interval > 3600) {
    throw new NsinspectError('INVALID', `invalid --node-scan-interval ${JSON.stringify(flags.nodeScanInterval)}: want whole seconds from 1 to 3600`);
  }
  const fullScan = Number(flags.nodeFullScanInterval ?? '300');
  if (!Number.isInteger(fullScan) || fullScan < 1 || fullScan > 86_400) {
    throw new NsinspectError('INVALID', `invalid --node-full-scan-interval ${JSON.stringify(flags.nodeFullScanInterval)}: want whole seconds from 1 to 86400`);
  }
  const maxExec = Number(flags.maxExecSessions);
  if (!Number.isInteger(maxExec) || maxExec < 0 || maxExec > 1000) {
    throw new NsinspectError('INVALID', `invalid --max-exec-sessions ${JSON.stringify(flags.maxExecSessions)}: want 0 to 1000`);
  }
  const idle = Number(flags.execIdleTimeout);
  if (!Number.isInteger(idle) || idle < 1 || idle > 86_400) {
    throw new NsinspectError('INVALID', `invalid --exec-idle-timeout ${JSON.stringify(flags.execIdleTimeout)}: want whole seconds from 1 to 86400`);
  }
  const perUser = Number(flags.maxExecSessionsPerUser ?? '2');
  if (!Number.isInteger(perUser) || perUser < 1 || perUser > 1000) {
    throw new NsinspectError('INVALID', `invalid --max-exec-sessions-per-user ${JSON.stringify(flags.maxExecSessionsPerUser)}: want 1 to 1000`);
  }
  const lifetime = Number(flags.execMaxLifetime ?? '14400');
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > 7 * 86_400) {
    throw new NsinspectError('INVALID', `invalid --exec-max-lifetime ${JSON.stringify(flags.execMaxLifetime)}: want whole seconds from 1 to 604800`);
  }
  const cgParent = flags.execCgroupParent;
  if (cgParent !== undefined && cgParent !== '' && (!cgParent.startsWith('/') || cgParent.split('/').includes('..'))) {
    throw new NsinspectError('INVALID', `invalid --exec-cgroup-parent ${JSON.stringify(cgParent)}: want an absolute cgroup path such as /nsinspect.slice`);
  }
  const cgDir = flags.execCgroupDir;
  if (cgDir !== undefined && cgDir !== '' && (!cgDir.startsWith('/') || cgDir.split('/').includes('..'))) {
    throw new NsinspectError('INVALID', `invalid --exec-cgroup-dir ${JSON.stringify(cgDir)}: want an absolute directory such as /sys/fs/cgroup/nsinspect-exec`);
  }
  if (flags.tokenAudience !== undefined && !/^[!-~]{1,256}$/.test(flags.tokenAudience)) {
    throw new NsinspectError('INVALID', `invalid --token-audience ${JSON.stringify(flags.tokenAudience)}: want 1 to 256 printable characters, no spaces`, { hint: 'for example --token-audience nsinspect' });
  }
  const cache = Number(flags.metricsCache);
  if (!Number.isFinite(cache) || cache < 0 || cache > 60) {
    throw new NsinspectError('INVALID', `invalid --metrics-cache ${JSON.stringify(flags.metricsCache)}: want seconds from 0 to 60`);
  }
  // Handlers go in first. The first SIGTERM or SIGINT always ends the process: during start-up
  // (loading the Kubernetes client takes a while on a busy node) it ends once start-up is done,
  // and a start-up or a drain that hangs is cut off after 10 s.
  let running: { close: () => Promise<void> } | undefined;
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    // Drained: keep-alive sockets of the Kubernetes client would hold the event loop, so exit now.
    if (running) void running.close().then(() => process.exit(0), () => process.exit(0));
  };
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, stop);
  try {
    running = await runAgent({
      listen: flags.listen,
      metricsListen: flags.metricsListen,
      ...(flags.nodeName ? { nodeName: flags.nodeName } : {}),
      ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
      auth: flags.auth,
      metricsAuth: flags.metricsAuth,
      metricsContainerInodes: truthy(flags.metricsContainerInodes),
      metricsPodLabels: truthy(flags.metricsPodLabels),
      metricsCacheMs: Math.round(cache * 1000),
      nodeScanIntervalMs: interval * 1000,
      nodeFullScanIntervalMs: fullScan * 1000,
      maxExecSessions: maxExec,
      execIdleSeconds: idle,
      ...(flags.tokenAudience ? { tokenAudience: flags.tokenAudience } : {}),
      maxExecSessionsPerUser: perUser,
      execMaxLifetimeSeconds: lifetime,
      ...(cgParent ? { execCgroupParent: cgParent } : {}),
      ...(cgDir ? { execCgroupDir: cgDir } : {}),
    });
  } catch (err) {
    // Nothing listens any more (runAgent closed what it opened): one line, and the process ends
    // now, whatever handles the half-built agent left behind.
    process.stderr.write(formatError(err) + '\n');
    process.exit(exitCodeForError(err));
  }
  if (stopping) {
    stopping = false;
    stop();
  }
  // Runs until a signal: stop() exits the process.
  await new Promise<never>(() => undefined);
}

/** A boolean flag, or its env twin's text. */
function truthy(v: boolean | string): boolean {
  return v === true || v === 'true' || v === '1';
}
