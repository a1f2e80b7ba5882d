// Pure: predicts each container's namespaces from the pod spec (kubelet + CRI rules), then compares.
import type { NsSet, NsType } from '../model/types.js';
import { NS_TYPES } from '../model/types.js';
import type { ContainerKind, PodInfo } from '../model/pod.js';
import type { Expectation, Mismatch, MismatchCause } from '../model/findings.js';
import type { Owner } from '../model/layers.js';
import { ownerOf } from './diff.js';

export interface ObservedContainer {
  name: string;
  kind: ContainerKind;
  target?: string;
  privileged: boolean;
  namespaces: NsSet;
}

export interface ExpectInput {
  pod: Pick<PodInfo, 'hostNetwork' | 'hostPID' | 'hostIPC' | 'shareProcessNamespace' | 'hostUsers'>;
  /** Running containers with their namespaces; the sandbox is kind 'sandbox'. */
  containers: ObservedContainer[];
  host: NsSet;
  /** A pure cgroup v2 host: the runtime gives non-privileged containers a private cgroup namespace. */
  cgroupV2: boolean;
}

/**
 * The rules of the CRI's NamespaceOption as kubelet fills it: kubelet picks NODE/POD/CONTAINER/TARGET
 * per type, containerd and CRI-O join the sandbox's namespaces for POD.
 */
export function expectation(pod: ExpectInput['pod'], c: Pick<ObservedContainer, 'kind' | 'target' | 'privileged'>, type: NsType, cgroupV2: boolean): Expectation {
  const sandbox = c.kind === 'sandbox';
  const pod_ = sandbox ? 'private' : 'sandbox';
  switch (type) {
    case 'net':
    case 'uts':
      return pod.hostNetwork ? 'host' : pod_;
    case 'ipc':
      return pod.hostIPC ? 'host' : pod_;
    case 'pid':
      if (pod.hostPID) return 'host';
      if (sandbox) return 'private';
      if (pod.shareProcessNamespace) return 'sandbox';
      return c.kind === 'ephemeral' && c.target ? 'target' : 'private';
    case 'user':
      return pod.hostUsers ? 'host' : pod_;
    case 'mnt':
      return 'private';
    case 'time':
      return 'host';
    case 'cgroup':
      // cgroup v1 (and hybrid) runtimes differ; only v2 non-privileged is certain.
      if (!cgroupV2) return 'any';
      return c.privileged ? 'host' : 'private';
  }
}

function causeOf(type: NsType, expected: Expectation, actual: Owner, kind: ContainerKind): MismatchCause {
  if (type === 'pid' && expected === 'target' && actual === 'sandbox') return 'runtime_ignored_target';
  if (expected === 'target') return 'not_shared_with_target';
  if (actual === 'host') return 'unexpected_host_namespace';
  if (expected === 'host') return 'expected_host_namespace';
  if (expected === 'sandbox' && kind !== 'sandbox') return 'not_in_pod_namespace';
  return 'expected_private_namespace';
}

const WORDS: Record<MismatchCause, (c: string, t: NsType, target?: string) => string> = {
  runtime_ignored_target: (c, t, target) => `runtime ignored TARGET: ${c} is in the sandbox's ${t} namespace, not ${target ?? 'the target'}'s`,
  not_shared_with_target: (c, t, target) => `${c} should share ${target ?? 'the target'}'s ${t} namespace (targetContainerName) but does not`,
  not_in_pod_namespace: (c, t) => `${c} should be in the pod's ${t} namespace (the sandbox's) but is in its own`,
  unexpected_host_namespace: (c, t) => `${c} is in the host's ${t} namespace, but the pod spec does not ask for it`,
  expected_host_namespace: (c, t) => `the pod spec asks for the host's ${t} namespace, but ${c} is not in it`,
  expected_private_namespace: (c, t) => `${c} should have its own ${t} namespace but shares one`,
};

/** Every namespace of every running container whose owner differs from the prediction. */
export function mismatches(input: ExpectInput): Mismatch[] {
  const sandbox = input.containers.find((c) => c.kind === 'sandbox');
  const out: Mismatch[] = [];
  for (const c of input.containers) {
    const target = c.target ? input.containers.find((x) => x.name === c.target && x.kind !== 'sandbox') : undefined;
    for (const type of NS_TYPES) {
      const expected = expectation(input.pod, c, type, input.cgroupV2);
      if (expected === 'any') continue;
      if (expected === 'target' && !target) continue; // target not running: nothing to compare with
      if (expected === 'sandbox' && !sandbox) continue;
      const ctx = c.kind === 'sandbox' ? { host: input.host } : { host: input.host, sandbox: sandbox?.namespaces, target: target?.namespaces };
      const actual = ownerOf(type, c.namespaces[type], ctx);
      if (actual === null || actual === expected) continue;
      const cause = causeOf(type, expected, actual, c.kind);
      out.push({ container: c.name, type, expected, actual, cause, message: WORDS[cause](c.name, type, c.target) });
    }
  }
  return out;
}
