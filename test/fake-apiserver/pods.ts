// Owns the v1 Pod wire-format types (plain JSON, dates as RFC 3339 strings) and builders for realistic pods.
import { randomBytes } from 'node:crypto';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
export type Runtime = 'containerd' | 'cri-o' | 'docker';

export interface ObjectMetaJson {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}
export interface ContainerJson {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  securityContext?: Record<string, unknown>;
  [k: string]: unknown;
}
export interface EphemeralContainerJson extends ContainerJson {
  targetContainerName?: string;
}
export interface PodSpecJson {
  nodeName?: string;
  containers: ContainerJson[];
  initContainers?: ContainerJson[];
  ephemeralContainers?: EphemeralContainerJson[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  shareProcessNamespace?: boolean;
  hostUsers?: boolean;
  restartPolicy?: string;
  serviceAccountName?: string;
  schedulerName?: string;
  [k: string]: unknown;
}
export interface ContainerStateJson {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: { exitCode: number; reason?: string; startedAt?: string; finishedAt?: string; containerID?: string };
}
export interface ContainerStatusJson {
  name: string;
  state: ContainerStateJson;
  lastState: ContainerStateJson;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started?: boolean;
  [k: string]: unknown;
}
export interface PodStatusJson {
  phase?: PodPhase;
  conditions?: Array<{ type: string; status: string; lastProbeTime: null; lastTransitionTime: string }>;
  hostIP?: string;
  podIP?: string;
  startTime?: string;
  qosClass?: string;
  containerStatuses?: ContainerStatusJson[];
  initContainerStatuses?: ContainerStatusJson[];
  ephemeralContainerStatuses?: ContainerStatusJson[];
  [k: string]: unknown;
}
/** A Pod exactly as the API server puts it on the wire (list items omit kind/apiVersion). */
export interface PodJson {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaJson;
  spec: PodSpecJson;
  status?: PodStatusJson;
}

/** RFC 3339 with second precision, as Kubernetes serialises metav1.Time. */
export function k8sTime(d: Date | string = new Date()): string {
  return (typeof d === 'string' ? new Date(d) : d).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A runtime-prefixed container ID such as "containerd://<64 hex>". */
export function makeContainerId(runtime: Runtime = 'containerd'): string {
  return `${runtime}://${randomBytes(32).toString('hex')}`;
}

function imageId(image: string): string {
  const [named = image] = image.split('@'); // split always yields the part before the first '@'
  const repo = named.replace(/:[^/:]+$/, '');
  return `${repo.includes('/') ? repo : 'docker.io/library/' + repo}@sha256:${randomBytes(32).toString('hex')}`;
}

type ContainerInput = string | (Partial<ContainerJson> & { name: string });

export interface MakePodOptions {
  name: string;
  namespace?: string;
  nodeName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Names or partial specs; default one container "app" running busybox. */
  containers?: ContainerInput[];
  initContainers?: ContainerInput[];
  ephemeralContainers?: Array<Partial<EphemeralContainerJson> & { name: string }>;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  shareProcessNamespace?: boolean;
  hostUsers?: boolean;
  /** Default "Running": every container running with a containerID. "Pending": waiting, no IDs. */
  phase?: PodPhase;
  runtime?: Runtime;
  startedAt?: Date | string;
  podIP?: string;
  hostIP?: string;
}

function toContainer(c: ContainerInput): ContainerJson {
  return typeof c === 'string' ? { name: c, image: 'busybox:1.36' } : { image: 'busybox:1.36', ...c };
}

/** Status for one container; running unless the pod is Pending (waiting) or finished (terminated). */
export function makeContainerStatus(
  c: ContainerJson, opts: { phase?: PodPhase; runtime?: Runtime; startedAt?: string; init?: boolean; ephemeral?: boolean } = {},
): ContainerStatusJson {
  const phase = opts.phase ?? 'Running';
  const startedAt = opts.startedAt ?? k8sTime();
  const base = { name: c.name, image: c.image, imageID: imageId(c.image), restartCount: 0, lastState: {} };
  if (phase === 'Pending') {
    return { ...base, imageID: '', ready: false, started: false, state: { waiting: { reason: 'ContainerCreating' } } };
  }
  const containerID = makeContainerId(opts.runtime);
  if (opts.init || phase === 'Succeeded' || phase === 'Failed') {
    const exitCode = phase === 'Failed' ? 1 : 0;
    return {
      ...base, containerID, ready: false, started: false,
      state: { terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed', startedAt, finishedAt: startedAt, containerID } },
    };
  }
  // Ephemeral containers have no probes; the kubelet reports them ready: false.
  return { ...base, containerID, ready: !opts.ephemeral, started: true, state: { running: { startedAt } } };
}

/** Builds a realistic Pod (spec + status) ready for `pods.add()`; omitempty fields are left out like the real server. */
export function makePod(o: MakePodOptions): PodJson {
  const phase = o.phase ?? 'Running';
  const startedAt = k8sTime(o.startedAt ?? new Date());
  const containers = (o.containers ?? ['app']).map(toContainer);
  const spec: PodSpecJson = {
    containers,
    restartPolicy: 'Always',
    serviceAccountName: 'default',
    schedulerName: 'default-scheduler',
  };
  if (o.nodeName) spec.nodeName = o.nodeName;
  if (o.initContainers) spec.initContainers = o.initContainers.map(toContainer);
  if (o.ephemeralContainers) spec.ephemeralContainers = o.ephemeralContainers.map((e) => ({ image: 'busybox:1.36', ...e }));
  for (const k of ['hostNetwork', 'hostPID', 'hostIPC', 'shareProcessNamespace'] as const) if (o[k]) spec[k] = true;
  if (o.hostUsers !== undefined) spec.hostUsers = o.hostUsers;

  const sOpts = { phase, runtime: o.runtime, startedAt };
  const cond = (type: string, ok: boolean) => ({ type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: startedAt });
  const running = phase === 'Running';
  const status: PodStatusJson = {
    phase,
    conditions: [cond('Initialized', phase !== 'Pending'), cond('Ready', running), cond('ContainersReady', running), cond('PodScheduled', !!o.nodeName)],
    qosClass: 'BestEffort',
  };
  if (o.nodeName) {
    status.hostIP = o.hostIP ?? '10.0.0.10';
    status.podIP = o.hostNetwork ? status.hostIP : (o.podIP ?? `10.244.0.${(randomBytes(1).readUInt8(0) % 250) + 2}`);
    status.startTime = startedAt;
  }
  status.containerStatuses = containers.map((c) => makeContainerStatus(c, sOpts));
  if (spec.initContainers) status.initContainerStatuses = spec.initContainers.map((c) => makeContainerStatus(c, { ...sOpts, init: true }));
  if (spec.ephemeralContainers) status.ephemeralContainerStatuses = spec.ephemeralContainers.map((c) => makeContainerStatus(c, { ...sOpts, ephemeral: true }));

  const metadata: ObjectMetaJson = { name: o.name, namespace: o.namespace ?? 'default' };
  if (o.labels) metadata.labels = { ...o.labels };
  if (o.annotations) metadata.annotations = { ...o.annotations };
  return { metadata, spec, status };
}

/**
 * Returns a copy of `pod` with an ephemeral container appended to spec and (running) status, the way
 * `kubectl debug --target=<targetContainerName>` ends up once the kubelet has started it.
 */
export function withEphemeralContainer(
  pod: PodJson, ec: Partial<EphemeralContainerJson> & { name: string }, opts: { runtime?: Runtime; phase?: PodPhase } = {},
): PodJson {
  const next = structuredClone(pod);
  const c: EphemeralContainerJson = { image: 'busybox:1.36', ...ec };
  next.spec.ephemeralContainers = [...(next.spec.ephemeralContainers ?? []), c];
  next.status ??= {};
  next.status.ephemeralContainerStatuses = [
    ...(next.status.ephemeralContainerStatuses ?? []),
    makeContainerStatus(c, { phase: opts.phase ?? 'Running', runtime: opts.runtime, ephemeral: true }),
  ];
  return next;
}
