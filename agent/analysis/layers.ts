// Pure: per namespace, compares the pod spec, the runtime's record and the kernel, and names the layer that broke.
//
// The rule, in the order a request travels:
// - spec ≠ told: KUBELET_DID_NOT_REQUEST. The kubelet turns the pod spec into the CRI request the
//   runtime records; a record that does not say what the spec asks was never asked for (an old
//   kubelet, or the feature gate off).
// - told ≠ kernel, for pid and time: RUNTIME_IGNORED. A process cannot change its own pid or time
//   namespace (setns and unshare change those of its children only), so a mismatch there was made at
//   creation.
// - told ≠ kernel, for the other types: MOVED_AFTER_START when another process of the container is
//   still in the namespace the runtime was told (the container started there, this process left it
//   by setns or unshare); RUNTIME_IGNORED otherwise. A container whose every process moved looks
//   like the runtime's fault: the message says so.
import type { NsSet, NsType } from '../model/types.js';
import { NS_TYPES } from '../model/types.js';
import type { LayerBreak, LayerRow, Owner, Told } from '../model/layers.js';
import type { NsJoin } from '../model/records.js';
import { type ExpectInput, type ObservedContainer, expectation } from './expected.js';
import type { OwnerContext } from './diff.js';
import { ownerOf } from './diff.js';

/** What the runtime can say about a path it was told to join: whose namespace, and its inode now. */
export type PathInfo = (path: string, type: NsType) => { owner: Owner | null; inode?: number };

/** Each type as the runtime was told it: no entry inherits the runtime's (the node's), an entry without a path is new. */
export function toldOf(namespaces: readonly NsJoin[], info: PathInfo): Record<NsType, Told> {
  const out = {} as Record<NsType, Told>;
  for (const type of NS_TYPES) {
    const n = namespaces.find((x) => x.type === type);
    if (!n) out[type] = { join: 'inherit', owner: 'host' };
    else if (!n.path) out[type] = { join: 'new', owner: 'private' };
    else out[type] = { join: 'path', path: n.path, ...info(n.path, type) };
  }
  return out;
}

export interface SideInput {
  side: 'target' | 'debugger';
  /** How people call it (its container name). */
  name: string;
  /** The pod spec's view of this container, when the API gave one. */
  spec?: { pod: ExpectInput['pod']; container: Pick<ObservedContainer, 'kind' | 'target' | 'privileged'>; cgroupV2: boolean };
  /** From the runtime's record; absent without one. */
  told?: Record<NsType, Told>;
  kernel: NsSet;
  /** Whose each kernel namespace is (host, sandbox, target, private). */
  ctx: OwnerContext;
  /** Types whose told namespace still holds another process of the container. */
  startedAsTold?: ReadonlySet<NsType>;
}

/** A process's own pid and time namespaces are fixed at its creation. */
const FIXED: ReadonlySet<NsType> = new Set(['pid', 'time']);

function toldAgrees(t: Told, kernel: Owner | null, inode: number | undefined): boolean | null {
  if (t.join === 'path' && t.inode !== undefined) return inode === undefined ? null : t.inode === inode;
  if (t.owner === null || kernel === null) return null;
  return t.owner === kernel;
}

const whose = (o: Owner | null, type: NsType): string =>
  o === null ? `an unknown ${type} namespace` : o === 'private' ? `its own ${type} namespace` : o === 'host' ? `the node's ${type} namespace` : `the ${o}'s ${type} namespace`;

function toldWords(t: Told, type: NsType): string {
  if (t.join === 'inherit') return `to keep the node's ${type} namespace`;
  if (t.join === 'new') return `to make a new ${type} namespace`;
  return `to join ${t.path}${t.owner ? ` (${whose(t.owner, type)})` : ''}`;
}

/** One row per type for one side: the three layers, whether they agree, and which broke. */
export function sideLayers(s: SideInput): LayerRow[] {
  return NS_TYPES.map((type) => {
    const want = s.spec ? expectation(s.spec.pod, s.spec.container, type, s.spec.cgroupV2) : 'any';
    const spec = want === 'any' ? null : want;
    const told = s.told?.[type] ?? null;
    const inode = s.kernel[type];
    const kernel = ownerOf(type, inode, s.ctx);
    const row: LayerRow = { side: s.side, type, spec, told, kernel, kernelInode: inode ?? null, agree: true, broke: [] };
    const broke: LayerBreak[] = [];
    const msgs: string[] = [];
    if (spec !== null && told !== null && told.owner !== null && told.owner !== spec) {
      broke.push('KUBELET_DID_NOT_REQUEST');
      msgs.push(`the pod spec asks for ${whose(spec, type)}, but the runtime was told ${toldWords(told, type)}: the kubelet did not request it (an old kubelet, or a feature gate off)`);
    }
    const ok = told === null ? null : toldAgrees(told, kernel, inode);
    if (told !== null && ok === false) {
      if (!FIXED.has(type) && s.startedAsTold?.has(type)) {
        broke.push('MOVED_AFTER_START');
        msgs.push(`it was started as told (${toldWords(told, type)}; other processes of the container are still there), and is now in ${whose(kernel, type)}: it moved after start (setns or unshare)`);
      } else {
        broke.push('RUNTIME_IGNORED');
        const why = FIXED.has(type) ? 'a process cannot change its own pid or time namespace, so the runtime made it so' : 'no process of the container is in the namespace it was told (or every one moved after start)';
        msgs.push(`the runtime was told ${toldWords(told, type)}, but the kernel shows ${whose(kernel, type)}: the runtime did not do as told (${why})`);
      }
    }
    if (told === null && spec !== null && kernel !== null && kernel !== spec) {
      msgs.push(`the pod spec asks for ${whose(spec, type)}, the kernel shows ${whose(kernel, type)}; with no runtime record, which layer broke cannot be said`);
    }
    if (msgs.length > 0) {
      row.agree = false;
      row.message = `${s.name}: ${msgs.join('; ')}`;
    }
    row.broke = broke;
    return row;
  });
}

/** Both sides of a diff, target first. */
export function layers(target: SideInput, debuggerSide: SideInput): LayerRow[] {
  return [...sideLayers(target), ...sideLayers(debuggerSide)];
}
