// Picks a pod's containers out of the runtime's records by name: node-local pod refs without an API server.
import { NsinspectError } from '../model/errors.js';
import type { RuntimeRecord } from '../model/records.js';

/** A pod on this node named by the runtime's records: its namespace, name, and records (the sandbox first, then by name). */
export function recordsOfPod(all: readonly RuntimeRecord[], namespace: string, name: string): RuntimeRecord[] {
  const mine = all.filter((r) => r.podNamespace === namespace && r.podName === name);
  if (mine.length === 0) {
    const here = [...new Set(all.filter((r) => r.podName !== undefined).map((r) => `${r.podNamespace}/${r.podName}`))].sort();
    throw new NsinspectError('NOT_FOUND', `no pod ${namespace}/${name} has a running container on this node`, {
      hint: here.length > 0 ? `pods with records here: ${here.slice(0, 10).join(', ')}${here.length > 10 ? ', …' : ''}` : 'no runtime records found; is this the pod’s node, and are you root?',
    });
  }
  const uids = new Set(mine.map((r) => r.podUID));
  if (uids.size > 1) {
    throw new NsinspectError('AMBIGUOUS', `${uids.size} pods named ${namespace}/${name} run on this node (UIDs ${[...uids].join(', ')})`, {
      hint: 'the old one is still being torn down; use container/<id> from `crictl ps`',
    });
  }
  return mine.sort((a, b) => (a.kind === 'sandbox' ? -1 : 0) - (b.kind === 'sandbox' ? -1 : 0) || (a.containerName ?? '').localeCompare(b.containerName ?? ''));
}

const apps = (pod: readonly RuntimeRecord[]): RuntimeRecord[] => pod.filter((r) => r.kind !== 'sandbox');

/** The container of that name, or with no name the pod's only container; NOT_FOUND or AMBIGUOUS with the names to choose from. */
export function containerOfPod(pod: readonly RuntimeRecord[], container?: string): RuntimeRecord {
  const names = apps(pod).map((r) => r.containerName ?? r.containerID.slice(0, 12));
  const where = `pod ${pod[0]?.podNamespace}/${pod[0]?.podName}`;
  if (container === undefined) {
    const [only, ...others] = apps(pod);
    if (only && others.length === 0) return only;
    throw new NsinspectError(names.length === 0 ? 'NOT_FOUND' : 'AMBIGUOUS', names.length === 0 ? `${where} has no running container on this node` : `${where} has ${names.length} running containers: say which with -c`, {
      hint: names.length > 0 ? `one of: ${names.join(', ')}` : 'it may have exited; check with `crictl ps -a`',
    });
  }
  const found = apps(pod).find((r) => r.containerName === container);
  if (!found) throw new NsinspectError('NOT_FOUND', `${where} has no running container ${JSON.stringify(container)} on this node`, { hint: names.length > 0 ? `running: ${names.join(', ')}` : 'it may have exited; check with `crictl ps -a`' });
  return found;
}

/**
 * The debugger's target as the runtime was told it: the container whose init PID the debugger's
 * pid namespace was joined from (kubelet's TARGET). initPidOf maps a container ID to its init PID.
 */
export function recordedTarget(pod: readonly RuntimeRecord[], dbg: RuntimeRecord, initPidOf: (id: string) => number | undefined): RuntimeRecord | undefined {
  const m = /^\/proc\/(\d+)\/ns\/pid$/.exec(dbg.namespaces.find((n) => n.type === 'pid')?.path ?? '');
  if (!m) return undefined;
  return apps(pod).find((r) => r !== dbg && initPidOf(r.containerID) === Number(m[1]));
}

/** How a record names its container for people: pod-namespace/pod container, or its short ID. */
export function recordName(r: RuntimeRecord): string {
  if (r.podName === undefined) return `container ${r.containerID.slice(0, 12)}`;
  return r.kind === 'sandbox' ? `the sandbox of ${r.podNamespace}/${r.podName}` : `${r.containerName ?? r.containerID.slice(0, 12)}`;
}

/** The names a record gives a container (plain fields, copied into answers); none without a record. */
export function recordNames(r: RuntimeRecord | undefined): { podNamespace?: string; podName?: string; containerName?: string } {
  const out: { podNamespace?: string; podName?: string; containerName?: string } = {};
  if (r?.podNamespace) out.podNamespace = r.podNamespace;
  if (r?.podName) out.podName = r.podName;
  if (r?.containerName) out.containerName = r.containerName;
  return out;
}
