// The diff's "layers" section: present only when the layers disagree, one row per broken type.
import t from 'tap';
import { renderLayers } from '../../../../cli/render/layers.js';
import type { LayerRowJSON } from '../../../../agent/protocol/layers.js';

const ok: LayerRowJSON = { side: 'target', type: 'net', spec: 'sandbox', told: { join: 'path', path: '/proc/9/ns/net', owner: 'sandbox', inode: 14 }, kernel: 'sandbox', kernelInode: 14, agree: true, broke: [] };
const bad: LayerRowJSON = {
  side: 'debugger', type: 'pid', spec: 'target', told: { join: 'new', owner: 'private' }, kernel: 'private', kernelInode: 35, agree: false,
  broke: ['KUBELET_DID_NOT_REQUEST'], message: 'debugger: the pod spec asks for the target\'s pid namespace, but …',
};

t.equal(renderLayers(undefined), '', 'an older agent: nothing');
t.equal(renderLayers([ok]), '', 'all agree: nothing');
t.equal(
  renderLayers([ok, bad]),
  '\nlayers (pod spec → runtime → kernel) disagree:\nSIDE      TYPE  POD SPEC  RUNTIME TOLD  KERNEL   BROKE\ndebugger  pid   target    new           private  KUBELET_DID_NOT_REQUEST\n! debugger: the pod spec asks for the target\'s pid namespace, but …\n',
);
t.match(renderLayers([{ ...bad, container: 'dbg', told: null, broke: [] }]), /^CONTAINER\s+TYPE.*\ndbg\s+pid\s+target\s+\?\s+private\s+\(cannot say\)$/m, 'pod view: by container; no record: cannot say');
