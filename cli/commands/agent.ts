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
}

export async function agent(flags: AgentFlags): Promise<void> {
  const interval = Number(flags.nodeScanInterval);
  if (!Number.isInteger(interval) || interval < 1 || interval > 3600) {
    throw new NsinspectError('INVALID', `invalid --node-scan-interval ${JSON.stringify(flags.nodeScanInterval)}: want whole seconds from 1 to 3600`);
  }
  const running = await runAgent({
    listen: flags.listen,
    metricsListen: flags.metricsListen,
    ...(flags.nodeName ? { nodeName: flags.nodeName } : {}),
    ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
    auth: flags.auth,
    metricsContainerInodes: flags.metricsContainerInodes === true || flags.metricsContainerInodes === 'true' || flags.metricsContainerInodes === '1',
    nodeScanIntervalMs: interval * 1000,
  });
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      // A second signal, or a drain that takes too long, ends the process anyway.
      const force = setTimeout(() => process.exit(1), 10_000);
      force.unref();
      void running.close().then(resolve, resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
