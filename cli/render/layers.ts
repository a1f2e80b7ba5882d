// The "layers" section of diff: shown only where the pod spec, the runtime's record and the kernel disagree.
import { type LayerRowJSON, disagreeing } from '../../agent/protocol/layers.js';
import { table } from './table.js';

const told = (r: LayerRowJSON): string => {
  if (!r.told) return '?';
  if (r.told.join === 'path') return r.told.owner ?? r.told.path ?? '?';
  return r.told.join === 'inherit' ? 'host (inherit)' : 'new';
};

/** Empty when every layer agrees (or none was read): the section appears only when something broke. */
export function renderLayers(rows: readonly LayerRowJSON[] | undefined): string {
  const bad = disagreeing(rows);
  if (bad.length === 0) return '';
  const inPod = bad.some((r) => r.container !== undefined);
  const t = table(
    [inPod ? 'CONTAINER' : 'SIDE', 'TYPE', 'POD SPEC', 'RUNTIME TOLD', 'KERNEL', 'BROKE'],
    bad.map((r) => [r.container ?? r.side, r.type, r.spec ?? '?', told(r), r.kernel ?? '?', r.broke.join(', ') || '(cannot say)']),
  );
  return `\nlayers (pod spec → runtime → kernel) disagree:\n${t}${bad.map((r) => `! ${r.message}`).join('\n')}\n`;
}
