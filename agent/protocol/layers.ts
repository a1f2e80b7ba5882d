// The JSON shape of diff's `layers`: per side and namespace type, the pod spec's, the runtime record's and the kernel's view.
import type { LayerRow } from '../model/layers.js';

/**
 * side, type; spec (sandbox|target|host|private, or null: no pod spec, or it does not decide);
 * told ({join: inherit|new|path, path?, owner, inode?}, or null: no runtime record); kernel (owner)
 * and kernelInode; agree; broke (KUBELET_DID_NOT_REQUEST, RUNTIME_IGNORED, MOVED_AFTER_START, in
 * that order); message when they disagree.
 */
export type LayerRowJSON = LayerRow;

/** The rows where the layers disagree: what the human output shows. */
export const disagreeing = (rows: readonly LayerRowJSON[] | undefined): LayerRowJSON[] => (rows ?? []).filter((r) => !r.agree);
