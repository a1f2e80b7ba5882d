// The three layers of a diff's two sides: reads what the runtime was told (its record's paths) and hands it to analysis/layers.
import type { NsSet, NsType } from '../model/types.js';
import type { RuntimeRecord } from '../model/records.js';
import type { LayerRow, Owner } from '../model/layers.js';
import { readNamespaces, readStat } from '../procfs/proc.js';
import { procRootFromEnv } from '../procfs/root.js';
import { nsFileInode } from '../procfs/ns-file.js';
import { type OwnerContext, ownerOf } from '../analysis/diff.js';
import { type PathInfo, type SideInput, layers, sideLayers, toldOf } from '../analysis/layers.js';

/** What this needs of the engine's Subject (declared here so the engine can import this file without a cycle). */
export interface LayerParty {
  pid: number;
  startTime: number;
  namespaces: NsSet;
  record?: RuntimeRecord;
  /** The container's processes (its cgroup), when known. */
  container?: { pids: number[] };
}

const PROC_NS = /^\/proc\/(\d+)\/ns\/[a-z_]+$/;

/**
 * Whose namespace a recorded path names now. A /proc/<pid>/ns path is trusted only while that pid
 * started no later than the container: a younger process has reused the PID and says nothing.
 */
function pathInfo(startTime: number, ctx: OwnerContext, proc: string): PathInfo {
  return (path: string, type: NsType) => {
    const m = PROC_NS.exec(path);
    let inode: number | undefined;
    if (m) {
      const pid = Number(m[1]);
      const st = readStat(pid, proc);
      if (st && st.startTime <= startTime) inode = readNamespaces(pid, [type], proc).namespaces[type];
    } else {
      inode = nsFileInode(path);
    }
    return inode === undefined ? { owner: null as Owner | null } : { owner: ownerOf(type, inode, ctx), inode };
  };
}

/** The types whose told namespace (a known inode other than the process's) still holds another process of the container. */
function startedAsTold(p: LayerParty, told: ReturnType<typeof toldOf>, host: NsSet, proc: string): Set<NsType> {
  const out = new Set<NsType>();
  const others = (p.container?.pids ?? []).filter((x) => x !== p.pid);
  for (const [type, t] of Object.entries(told) as [NsType, (typeof told)[NsType]][]) {
    const want = t.join === 'inherit' ? host[type] : t.inode;
    if (want === undefined || want === p.namespaces[type]) continue;
    if (others.some((x) => readNamespaces(x, [type], proc).namespaces[type] === want)) out.add(type);
  }
  return out;
}

function side(which: 'target' | 'debugger', name: string, p: LayerParty, ctx: OwnerContext, spec: SideInput['spec'], proc: string): SideInput {
  const s: SideInput = { side: which, name, kernel: p.namespaces, ctx };
  if (spec) s.spec = spec;
  if (p.record) {
    s.told = toldOf(p.record.namespaces, pathInfo(p.startTime, ctx, proc));
    s.startedAsTold = startedAsTold(p, s.told, ctx.host, proc);
  }
  return s;
}

export interface LayerSpecs {
  target?: SideInput['spec'];
  debugger?: SideInput['spec'];
}

/** Both sides' rows (target first), each type with the pod spec's, the record's and the kernel's view. */
export function layersOf(target: LayerParty, dbg: LayerParty, names: { target: string; debugger: string }, ctx: { host: NsSet; sandbox?: NsSet }, specs: LayerSpecs = {}, proc = procRootFromEnv()): LayerRow[] {
  return layers(
    side('target', names.target, target, { host: ctx.host, sandbox: ctx.sandbox }, specs.target, proc),
    side('debugger', names.debugger, dbg, { host: ctx.host, sandbox: ctx.sandbox, target: target.namespaces }, specs.debugger, proc),
  );
}

/**
 * One container's rows in the pod view, disagreeing ones only: compared with the sandbox, and with
 * its target when it has one (then it is the debugger side).
 */
export function containerLayers(name: string, p: LayerParty, ctx: OwnerContext, spec: SideInput['spec'], proc = procRootFromEnv()): LayerRow[] {
  return sideLayers(side(ctx.target ? 'debugger' : 'target', name, p, ctx, spec, proc))
    .filter((r) => !r.agree)
    .map((r) => ({ ...r, container: name }));
}
