// Pods and containers made over CRI the way kubelet makes them, on a private containerd (the tests' fixture and make demo).
// cleanup() removes everything it made: containers, sandboxes, pod cgroups in every hierarchy, the daemon and its dir.
import { existsSync, readdirSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { execa } from 'execa';
import { join } from 'node:path';
import type { ContainerConfig, NamespaceMode, NamespaceOption, PodSandboxConfig } from './client.js';
import { Containerd } from './containerd.js';
import { BUSYBOX_IMAGE } from './images.js';

export type Qos = 'guaranteed' | 'burstable' | 'besteffort';

export interface PodSpec {
  name: string;
  namespace?: string;
  qos?: Qos;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  shareProcessNamespace?: boolean;
}

export interface CriPod {
  /** The sandbox's ID. */
  id: string;
  uid: string;
  name: string;
  namespace: string;
  qos: Qos;
  cgroupParent: string;
  /** The pause process, on the host. */
  pid: number;
  /** The netns file CRI bind-mounted under /run/netns; a dead containerd leaves it behind. */
  netnsPath?: string;
  spec: PodSpec;
  config: PodSandboxConfig;
}

export interface CriContainer {
  id: string;
  name: string;
  pod: CriPod;
  /** The container's init process, on the host. */
  pid: number;
}

export interface ContainerSpec {
  name: string;
  /** Defaults to a sleep that outlives the test. */
  command?: string[];
  /** `kubectl debug --target=<target>`: pid TARGET with target_id, as kubelet sends for an ephemeral container. */
  target?: CriContainer;
}

const SLEEP = ['sleep', '2147483647'];
const CAP = { besteffort: { cpu_shares: 2, oom_score_adj: 1000 }, burstable: { cpu_shares: 102, oom_score_adj: 968 } } as const;

/** The cgroup v1 hierarchies and the unified one (hybrid hosts), or the single v2 root. */
export function hierarchies(): string[] {
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return ['/sys/fs/cgroup'];
  return readdirSync('/sys/fs/cgroup')
    .map((d) => join('/sys/fs/cgroup', d))
    .filter((d) => existsSync(join(d, 'cgroup.procs')));
}

/** rmdir a cgroup and any child cgroups, deepest first; a busy one stays (its processes are not ours to kill). */
function rmCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir)) {
    const sub = join(dir, e);
    try {
      if (statSync(sub).isDirectory()) rmCgroupTree(sub);
    } catch {
      // raced away
    }
  }
  try {
    rmdirSync(dir);
  } catch {
    // EBUSY/ENOTEMPTY: still in use by someone
  }
}

/** kubelet's namespace options for the pod's containers (and sandbox), from the pod spec. */
function podNamespaces(spec: PodSpec): NamespaceOption {
  const pid: NamespaceMode = spec.hostPID ? 'NODE' : spec.shareProcessNamespace ? 'POD' : 'CONTAINER';
  return { network: spec.hostNetwork ? 'NODE' : 'POD', pid, ipc: spec.hostIPC ? 'NODE' : 'POD' };
}

export class CriFixture {
  private readonly pods: CriPod[] = [];
  /** Cgroup dirs that did not exist before a pod of ours was made: ours to remove, when empty. */
  private readonly madeParents = new Set<string>();

  constructor(readonly containerd: Containerd) {}

  get cri() {
    return this.containerd.cri;
  }

  /** RunPodSandbox with kubelet's cgroup parent, metadata, labels, annotations and namespace options. */
  async pod(spec: PodSpec): Promise<CriPod> {
    const uid = crypto.randomUUID();
    const qos = spec.qos ?? 'besteffort';
    const namespace = spec.namespace ?? 'default';
    const cgroupParent = qos === 'guaranteed' ? `/kubepods/pod${uid}` : `/kubepods/${qos}/pod${uid}`;
    for (const h of hierarchies()) {
      for (const rel of qos === 'guaranteed' ? ['kubepods'] : ['kubepods', `kubepods/${qos}`]) {
        if (!existsSync(join(h, rel))) this.madeParents.add(join(h, rel));
      }
    }
    const config: PodSandboxConfig = {
      metadata: { name: spec.name, uid, namespace, attempt: 0 },
      hostname: spec.hostNetwork ? '' : spec.name,
      log_directory: join(this.containerd.dir, 'pods', `${namespace}_${spec.name}_${uid}`),
      labels: { 'io.kubernetes.pod.name': spec.name, 'io.kubernetes.pod.namespace': namespace, 'io.kubernetes.pod.uid': uid },
      annotations: { 'kubernetes.io/config.source': 'api', 'kubernetes.io/config.seen': new Date().toISOString() },
      linux: { cgroup_parent: cgroupParent, security_context: { namespace_options: podNamespaces(spec) } },
    };
    const pod: CriPod = { id: '', uid, name: spec.name, namespace, qos, cgroupParent, pid: 0, spec, config };
    this.pods.push(pod);
    pod.id = await this.cri.runPodSandbox(config);
    const info = JSON.parse((await this.cri.podSandboxStatus(pod.id)).info.info ?? '{}');
    pod.pid = info.pid;
    const netns = (info.runtimeSpec?.linux?.namespaces ?? []).find((n: { type: string; path?: string }) => n.type === 'network')?.path;
    if (netns?.startsWith('/var/run/netns/') || netns?.startsWith('/run/netns/')) pod.netnsPath = netns;
    if (!pod.pid) throw new Error(`sandbox ${pod.id} has no pid in its verbose status`);
    return pod;
  }

  /** CreateContainer + StartContainer, with kubelet's labels and resources for the pod's QoS class. */
  async container(pod: CriPod, spec: ContainerSpec): Promise<CriContainer> {
    const ns = podNamespaces(pod.spec);
    if (spec.target) Object.assign(ns, { pid: 'TARGET', target_id: spec.target.id });
    const resources =
      pod.qos === 'guaranteed'
        ? { cpu_period: 100000, cpu_quota: 10000, cpu_shares: 102, memory_limit_in_bytes: 64 << 20, oom_score_adj: -997 }
        : CAP[pod.qos];
    const config: ContainerConfig = {
      metadata: { name: spec.name, attempt: 0 },
      image: { image: BUSYBOX_IMAGE },
      command: spec.command ?? SLEEP,
      labels: {
        'io.kubernetes.container.name': spec.name,
        'io.kubernetes.pod.name': pod.name,
        'io.kubernetes.pod.namespace': pod.namespace,
        'io.kubernetes.pod.uid': pod.uid,
      },
      annotations: { 'io.kubernetes.container.restartCount': '0', 'io.kubernetes.container.terminationMessagePath': '/dev/termination-log' },
      log_path: `${spec.name}/0.log`,
      linux: { resources, security_context: { namespace_options: ns } },
    };
    const id = await this.cri.createContainer(pod.id, config, pod.config);
    await this.cri.startContainer(id);
    const pid = JSON.parse((await this.cri.containerStatus(id)).info.info ?? '{}').pid;
    if (!pid) throw new Error(`container ${id} has no pid in its verbose status`);
    return { id, name: spec.name, pod, pid };
  }

  /** Stops and removes every sandbox (and so its containers), then the pods' cgroups and the parents we made. */
  async cleanup(): Promise<void> {
    const errors: string[] = [];
    for (const pod of this.pods.reverse()) {
      if (pod.id) {
        await this.cri.stopPodSandbox(pod.id).catch((e: Error) => errors.push(e.message));
        await this.cri.removePodSandbox(pod.id).catch((e: Error) => errors.push(e.message));
      }
    }
    await this.containerd.stop().catch((e: Error) => errors.push(e.message));
    // RemovePodSandbox removes the netns file; if containerd could not, we do (ours: its name is in our sandbox's spec).
    for (const pod of this.pods) {
      if (!pod.netnsPath || !existsSync(pod.netnsPath)) continue;
      await execa('umount', [pod.netnsPath], { reject: false });
      rmSync(pod.netnsPath, { force: true });
    }
    // After the daemon: runc delete --force in stop() has removed any container cgroups left behind.
    for (const h of hierarchies()) for (const pod of this.pods) rmCgroupTree(join(h, pod.cgroupParent));
    for (const dir of [...this.madeParents].sort((a, b) => b.length - a.length)) {
      try {
        rmdirSync(dir);
      } catch {
        // someone else's now, or already gone
      }
    }
    if (errors.length) throw new Error(`cleaning up CRI pods: ${errors.join('; ')}`);
  }
}

/** A private containerd in a fresh directory of its own, with a fixture to make pods on it; cleanup() removes it all. */
export async function startCri(): Promise<CriFixture> {
  const dir = `/run/nsinspect-cri/${crypto.randomUUID().slice(0, 8)}`;
  return new CriFixture(await Containerd.start(dir));
}
