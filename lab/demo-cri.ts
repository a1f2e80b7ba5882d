// The demo on real containerd: a pod and two kubectl-debug-style debuggers made over CRI exactly as kubelet makes them.
import { execa } from 'execa';
import { type CriFixture, startCri } from './cri/pods.js';

export type Show = (title: string, args: string[]) => Promise<void>;

/** Whether this machine can run the CRI demo: containerd, runc and ctr (Debian's containerd package), gcc for the pause. */
export async function criAvailable(): Promise<string | undefined> {
  for (const [bin, pkg] of [['containerd', 'containerd'], ['ctr', 'containerd'], ['runc', 'runc'], ['gcc', 'gcc libc6-dev']] as const) {
    const r = await execa(bin, ['--version'], { reject: false });
    if (r.exitCode !== 0) return `${bin} is missing (apt-get install ${pkg})`;
  }
  return undefined;
}

/**
 * The article's experiment: pod shop/web with an app container, then a debugger created with
 * pid TARGET (kubectl debug --target=app) and one without. Refs are the pod's own names, read from
 * containerd's records on this node: no API server is involved.
 */
export async function criDemo(show: Show, onFixture: (f: CriFixture) => void): Promise<void> {
  const cri = await startCri();
  onFixture(cri);
  // Pod refs are by name across the node: the test suite runs the demo in a namespace of its own.
  const ns = process.env.NSINSPECT_DEMO_NAMESPACE ?? 'shop';
  const pod = await cri.pod({ name: 'web', namespace: ns, qos: 'burstable' });
  const app = await cri.container(pod, { name: 'app' });
  const debug = await cri.container(pod, { name: 'debugger', target: app });
  const notarget = await cri.container(pod, { name: 'debugger-notarget' });
  const id = (c: { id: string }): string => c.id.slice(0, 12);
  process.stdout.write(
    `Pod ${ns}/web, made over CRI on a private containerd as kubelet makes it (cgroup ${pod.cgroupParent}):\n` +
      `  sandbox            ${id(pod)}  pid ${pod.pid}  the pause process: owns net, ipc, uts\n` +
      `  app                ${id(app)}  pid ${app.pid}  joins them; its own pid, mnt, cgroup\n` +
      `  debugger           ${id(debug)}  pid ${debug.pid}  pid TARGET app (kubectl debug --target=app)\n` +
      `  debugger-notarget  ${id(notarget)}  pid ${notarget.pid}  kubectl debug without --target\n`,
  );
  await show("The debugger started with --target shares the app's pid namespace", ['diff', `${ns}/web`, 'debugger']);
  await show('Without --target, pid is not shared: the debugger cannot see the app', ['diff', `${ns}/web`, 'debugger-notarget', '--target', 'app']);
  await show("The app's processes, read from the host: works on distroless images too", ['ps', `${ns}/web`, '-c', 'app']);
  await show('Every namespace of the pod, side by side', ['ns', `${ns}/web`]);
}
