// The JSON shape of `layers` (diff and pod view): per side and namespace type, the pod spec's, the runtime record's and the kernel's view.
import type { NsType } from '../model/types.js';
import type { LayerBreak, LayerRow, Owner, Told } from '../model/layers.js';

export interface ToldJSON {
  join: 'inherit' | 'new' | 'path';
  path?: string;
  /** Whose namespace the path is; null when it could not be said. */
  owner: Owner | null;
  inode?: number;
}

/**
 * side, type; spec (sandbox|target|host|private, or null: no pod spec, or it does not decide);
 * told (or null: no runtime record); kernel (owner) and kernelInode; agree; broke
 * (KUBELET_DID_NOT_REQUEST, RUNTIME_IGNORED, MOVED_AFTER_START, in that order); message when they disagree.
 */
export interface LayerRowJSON {
  side: 'target' | 'debugger';
  /** The container's name, in the pod view. */
  container?: string;
  type: NsType;
  spec: Owner | null;
  told: ToldJSON | null;
  kernel: Owner | null;
  kernelInode: number | null;
  agree: boolean;
  broke: LayerBreak[];
  message?: string;
}

export function layerRowJSON(r: LayerRow): LayerRowJSON {
  const j: LayerRowJSON = { side: r.side, type: r.type, spec: r.spec, told: r.told && toldJSON(r.told), kernel: r.kernel, kernelInode: r.kernelInode, agree: r.agree, broke: [...r.broke] };
  if (r.message !== undefined) j.message = r.message;
  if (r.container !== undefined) j.container = r.container;
  return j;
}

function toldJSON(t: Told): ToldJSON {
  return { join: t.join, ...(t.path !== undefined ? { path: t.path } : {}), owner: t.owner, ...(t.inode !== undefined ? { inode: t.inode } : {}) };
}

/** The rows where the layers disagree: what the human output shows. */
export const disagreeing = (rows: readonly LayerRowJSON[] | undefined): LayerRowJSON[] => (rows ?? []).filter((r) => !r.agree);
