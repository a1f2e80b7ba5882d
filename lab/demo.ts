// The demo: the article's kubectl debug experiment on real containerd pods made over CRI (else runc containers), shown through the CLI.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { Lab, randomHex } from './runc.js';
import { startDemoPod } from './pod.js';
import { criAvailable, criDemo } from './demo-cri.js';
import type { CriFixture } from './cri/pods.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '../cli/main.js');
const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

async function show(title: string, args: string[]): Promise<void> {
  process.stdout.write(`\n${bold(`# ${title}`)}\n${bold(`$ nsinspect ${args.join(' ')}`)}\n`);
  const r = await execa(process.execPath, [CLI, ...args], { reject: false, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.exitCode !== 0) throw new Error(`nsinspect ${args[0]} exited ${r.exitCode}`);
}

/** The same experiment on runc containers laid out like containerd + kubelet: where containerd is not installed. */
async function runcDemo(lab: Lab): Promise<void> {
  await lab.init();
  const pod = await startDemoPod(lab, 'containerd-cgroupfs', 'burstable');
  const c = (r: { id: string }): string => `container/${r.id.slice(0, 12)}`;
  process.stdout.write(
    `A pod laid out like containerd + kubelet (cgroupfs driver), pod UID ${pod.uid}, cgroup ${pod.podPath}:\n` +
      `  sandbox            ${c(pod.sandbox)}  pid ${pod.sandbox.pid}  owns net, ipc, uts\n` +
      `  app                ${c(pod.app)}  pid ${pod.app.pid}  joins them; its own pid, mnt, cgroup\n` +
      `  debugger           ${c(pod.debugger)}  pid ${pod.debugger.pid}  kubectl debug --target=app\n` +
      `  debugger-notarget  ${c(pod.debuggerNoTarget)}  pid ${pod.debuggerNoTarget.pid}  kubectl debug without --target\n`,
  );
  await show('The debugger started with --target shares the app\'s pid namespace', ['diff', c(pod.app), c(pod.debugger)]);
  await show('Without --target, pid is not shared: the debugger cannot see the app', ['diff', c(pod.app), c(pod.debuggerNoTarget)]);
  await show("The app's processes, read from the host: works on distroless images too", ['ps', c(pod.app)]);
  await show('Every namespace of the pod, side by side', ['ns', c(pod.sandbox), c(pod.app), c(pod.debugger), c(pod.debuggerNoTarget)]);
}

async function main(): Promise<void> {
  if (process.geteuid?.() !== 0) throw new Error('the demo needs root: it creates containers');
  // Everything in a directory of this run's own: a second demo, or a test run, is never touched.
  const lab = new Lab(`demo-${randomHex(8)}`);
  let cri: CriFixture | undefined;
  const cleanup = async (): Promise<void> => {
    await cri?.cleanup().catch((err: unknown) => process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`));
    await lab.cleanup();
  };
  const stop = (): void => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // `make demo | head`: a closed pipe must not kill the demo before it removes what it made.
  process.stdout.on('error', () => {});
  try {
    const missing = await criAvailable();
    if (missing === undefined) await criDemo(show, (f) => (cri = f));
    else {
      process.stdout.write(`(no CRI demo: ${missing}; runc containers laid out by hand instead)\n\n`);
      await runcDemo(lab);
    }
  } finally {
    await cleanup();
    process.stdout.write('\nremoved the demo\'s pods, containers and cgroups\n');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
