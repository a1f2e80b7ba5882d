// `nsinspect agent`: starts the agent and shuts it down cleanly on SIGTERM or SIGINT.
import { NsinspectError } from '../../agent/errors.js';
import { runAgent } from '../../agent/server.js';

export interface AgentFlags {
  listen: string;
  metricsListen: string;
  nodeName?: string;
  kubeconfig?: string;
  auth: 'kubernetes' | 'none';
  metricsContainerInodes: boolean | string;
  nodeScanInterval: string;
  maxExecSessions: string;
  execIdleTimeout: string;
  maxExecSessionsPerUser?: string;
  execMaxLifetime?: string;
  execCgroupParent?: string;
}

export async function agent(flags: AgentFlags): Promise<void> {
  const interval = Number(flags.nodeScanInterval);
  if (!Number.isInteger(interval) || interval < 1 || interval > 3600) {
    throw new NsinspectError('INVALID', `invalid --node-scan-interval ${JSON.stringify(flags.nodeScanInterval)}: want whole seconds from 1 to 3600`);
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
  // Handlers go in first: a SIGTERM during start-up (loading the Kubernetes client takes a while
  // on a busy node) still ends in an orderly exit 0, never a kill by signal.
  let signalled = false;
  let onSignal: () => void = () => {
    signalled = true;
  };
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => onSignal());
  const running = await runAgent({
    listen: flags.listen,
    metricsListen: flags.metricsListen,
    ...(flags.nodeName ? { nodeName: flags.nodeName } : {}),
    ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
    auth: flags.auth,
    metricsContainerInodes: flags.metricsContainerInodes === true || flags.metricsContainerInodes === 'true' || flags.metricsContainerInodes === '1',
    nodeScanIntervalMs: interval * 1000,
    maxExecSessions: maxExec,
    execIdleSeconds: idle,
    maxExecSessionsPerUser: perUser,
    execMaxLifetimeSeconds: lifetime,
    ...(cgParent ? { execCgroupParent: cgParent } : {}),
  });
  await new Promise<void>((resolve) => {
    onSignal = (): void => {
      // A drain that takes too long ends the process anyway.
      const force = setTimeout(() => process.exit(1), 10_000);
      force.unref();
      void running.close().then(resolve, resolve);
    };
    if (signalled) onSignal();
  });
  // Drained. Keep-alive sockets of the Kubernetes client would hold the event loop: exit now.
  process.exit(0);
}
